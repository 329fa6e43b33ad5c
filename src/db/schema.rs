// The diesel schema of both backends. It mirrors migrations/{sqlite,postgres}; the tests run every
// query against both databases, so a column that drifts from the SQL fails them.

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        position -> Integer,
    }
}

diesel::table! {
    items (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        item_type -> Text,
        department_id -> BigInt,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        code -> Text,
        item_id -> BigInt,
        department_id -> BigInt,
        name -> Text,
        variant -> Text,
        applicant_type -> Text,
        legal_days -> Integer,
        promised_days -> Integer,
        fee_fen -> BigInt,
        online -> Bool,
        result_name -> Text,
        steps -> Text,
        search_text -> Text,
        listed -> Bool,
    }
}

diesel::table! {
    service_materials (id) {
        id -> BigInt,
        service_id -> BigInt,
        position -> Integer,
        name -> Text,
        form -> Text,
        copies -> Integer,
        necessity -> Text,
        source -> Text,
    }
}

diesel::joinable!(services -> items (item_id));
diesel::joinable!(services -> departments (department_id));
diesel::joinable!(service_materials -> services (service_id));

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        name -> Text,
        national_id -> Nullable<Text>,
        phone -> Nullable<Text>,
        credit_code -> Nullable<Text>,
        legal_representative -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        email_verified -> Bool,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_departments (user_id, department_id) {
        user_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        throttle_key -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> Text,
        user_id -> BigInt,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    form_definitions (id) {
        id -> BigInt,
        service_id -> BigInt,
        version -> Integer,
        definition -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    applications (id) {
        id -> BigInt,
        tracking_number -> Nullable<Text>,
        service_id -> BigInt,
        form_definition_id -> BigInt,
        applicant_id -> BigInt,
        status -> Text,
        input -> Text,
        data -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    application_events (id) {
        id -> BigInt,
        application_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        note -> Nullable<Text>,
        client_address -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    application_files (id) {
        id -> BigInt,
        application_id -> BigInt,
        material_name -> Text,
        original_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    material_pledges (application_id, material_name) {
        application_id -> BigInt,
        material_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(application_files -> applications (application_id));
diesel::joinable!(material_pledges -> applications (application_id));
diesel::joinable!(form_definitions -> services (service_id));
diesel::joinable!(applications -> services (service_id));
diesel::joinable!(applications -> form_definitions (form_definition_id));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(applications -> users (applicant_id));

diesel::joinable!(user_departments -> users (user_id));
diesel::joinable!(user_departments -> departments (department_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    items,
    services,
    service_materials,
    users,
    user_departments,
    sessions,
    login_failures,
    one_time_tokens,
    form_definitions,
    applications,
    application_events,
    application_files,
    material_pledges,
);
