// The diesel schema of both backends. It mirrors migrations/{sqlite,postgres}; the tests run every
// query against both databases, so a column that drifts from the SQL fails them.

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        position -> Integer,
        name_en -> Text,
    }
}

diesel::table! {
    items (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        item_type -> Text,
        department_id -> BigInt,
        name_en -> Text,
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
        workflow_key -> Text,
        extension_days -> Integer,
        name_en -> Text,
        result_name_en -> Text,
        steps_en -> Text,
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
        name_en -> Text,
    }
}

diesel::table! {
    hotline_requests (application_id) {
        application_id -> BigInt,
        request_type -> Text,
        channel -> Text,
        urgent -> Bool,
        subject -> Text,
        description -> Text,
        location -> Text,
        topic -> Nullable<Text>,
        caller_name -> Text,
        caller_phone -> Text,
        caller_email -> Text,
        confidential -> Bool,
        operator_id -> Nullable<BigInt>,
        merged_into -> Nullable<BigInt>,
        guide_service_id -> Nullable<BigInt>,
        satisfaction -> Nullable<Text>,
        rated_at -> Nullable<Timestamp>,
        received_day -> Date,
        urgent_due_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    hotline_types (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        answer_days -> Integer,
        urgent_hours -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    streets (id) {
        id -> BigInt,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    communities (id) {
        id -> BigInt,
        code -> Text,
        street_id -> BigInt,
        name_zh -> Text,
    }
}

diesel::table! {
    grids (id) {
        id -> BigInt,
        code -> Text,
        community_id -> BigInt,
        name_zh -> Text,
        outline -> Text,
        west -> Double,
        south -> Double,
        east -> Double,
        north -> Double,
        illustrative -> Bool,
    }
}

diesel::table! {
    grid_assignments (grid_id, user_id) {
        grid_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    inspector_streets (user_id) {
        user_id -> BigInt,
        street_id -> BigInt,
    }
}

diesel::table! {
    territory_stamp (id) {
        id -> BigInt,
        token -> Text,
    }
}

diesel::table! {
    event_categories (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        position -> Integer,
    }
}

diesel::table! {
    event_types (code) {
        code -> Text,
        category_code -> Text,
        name_zh -> Text,
        name_en -> Text,
        department_code -> Text,
        on_the_spot -> Bool,
        limit_days -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    grid_events (application_id) {
        application_id -> BigInt,
        event_type -> Text,
        category_code -> Text,
        grid_id -> BigInt,
        community_id -> BigInt,
        street_id -> BigInt,
        longitude -> Double,
        latitude -> Double,
        address -> Text,
        description -> Text,
        source -> Text,
        reporter_id -> Nullable<BigInt>,
        reporter_phone -> Text,
        merged_into -> Nullable<BigInt>,
        reported_at -> Timestamp,
        reported_day -> Date,
        closed_day -> Nullable<Date>,
    }
}

diesel::table! {
    event_day_counts (day, community_id, category_code, department_code, slot) {
        day -> Date,
        community_id -> BigInt,
        street_id -> BigInt,
        category_code -> Text,
        department_code -> Text,
        found -> Integer,
        dispatched -> Integer,
        closed -> Integer,
        closed_on_time -> Integer,
        slot -> Integer,
    }
}

diesel::table! {
    event_day_totals (day) {
        day -> Date,
        found -> BigInt,
        dispatched -> BigInt,
        closed -> BigInt,
        closed_on_time -> BigInt,
    }
}

diesel::table! {
    devices (id) {
        id -> BigInt,
        user_id -> BigInt,
        label -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    patrols (id) {
        id -> BigInt,
        user_id -> BigInt,
        day -> Date,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        points -> Integer,
        distance_m -> Integer,
        rounds -> Integer,
        checkpoints_reached -> Integer,
        checkpoints_total -> Integer,
        gaps -> Integer,
        too_fast -> Integer,
        summarized_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    patrol_points (device_id, seq) {
        device_id -> BigInt,
        seq -> BigInt,
        user_id -> BigInt,
        recorded_at -> Timestamp,
        longitude -> Double,
        latitude -> Double,
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
        lang -> Text,
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
    sign_in_trust (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        value_hash -> Text,
        last_used_at -> Timestamp,
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
        service_id -> Nullable<BigInt>,
        form_definition_id -> Nullable<BigInt>,
        applicant_id -> Nullable<BigInt>,
        status -> Text,
        input -> Text,
        data -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        workflow_definition_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        promised_days -> Integer,
        legal_days -> Integer,
        assignee_id -> Nullable<BigInt>,
        received_on -> Nullable<Date>,
        accepted_on -> Nullable<Date>,
        deemed_accepted -> Bool,
        paused_days -> Integer,
        paused_since -> Nullable<Date>,
        extension_days -> Integer,
        decided_on -> Nullable<Date>,
        on_time -> Nullable<Bool>,
        decision -> Nullable<Text>,
        due_on -> Nullable<Date>,
        warn_on -> Nullable<Date>,
        hard_due_on -> Nullable<Date>,
        state_entered_on -> Nullable<Date>,
        kind -> Text,
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
        department_id -> Nullable<BigInt>,
        details -> Nullable<Text>,
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

diesel::table! {
    workflow_definitions (id) {
        id -> BigInt,
        key -> Text,
        version -> Integer,
        definition -> Text,
        published_at -> Timestamp,
        published_by -> Nullable<BigInt>,
        digest -> Text,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        kind -> Text,
        note -> Text,
    }
}

diesel::table! {
    calendar_stamp (id) {
        id -> BigInt,
        token -> Text,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        status -> Text,
        source -> Text,
        confirmed_by -> Nullable<BigInt>,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    application_sign_offs (application_id, state, department_id) {
        application_id -> BigInt,
        state -> Text,
        department_id -> BigInt,
        actor_id -> BigInt,
        created_at -> Timestamp,
        agrees -> Bool,
        opinion -> Nullable<Text>,
    }
}

diesel::table! {
    application_notes (id) {
        id -> BigInt,
        application_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ratings (id) {
        id -> BigInt,
        application_id -> BigInt,
        rater_id -> BigInt,
        department_id -> BigInt,
        service_id -> BigInt,
        level -> Integer,
        reasons -> Text,
        comment -> Text,
        anonymous -> Bool,
        rated_at -> Timestamp,
        month -> Text,
        changeable_until -> Timestamp,
        remedy_id -> Nullable<BigInt>,
        verdict -> Nullable<Text>,
        verdict_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    supervision_passes (id) {
        id -> BigInt,
        day -> Date,
        started_at -> Timestamp,
    }
}

diesel::table! {
    supervision_cards (id) {
        id -> BigInt,
        application_id -> BigInt,
        department_id -> BigInt,
        level -> Text,
        due_on -> Date,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        application_id -> Nullable<BigInt>,
        recipient_id -> Nullable<BigInt>,
        recipient_email -> Text,
        lang -> Text,
        kind -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        link_path -> Nullable<Text>,
    }
}

diesel::table! {
    workflow_drafts (id) {
        id -> BigInt,
        key -> Text,
        based_on -> Nullable<Integer>,
        source -> Text,
        problems -> Text,
        lock_version -> Integer,
        published_version -> Nullable<Integer>,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    form_drafts (id) {
        id -> BigInt,
        service_id -> BigInt,
        based_on -> Integer,
        source -> Text,
        problems -> Text,
        lock_version -> Integer,
        published_version -> Nullable<Integer>,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    admin_events (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        kind -> Text,
        subject -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_digests (department_id, kind) {
        department_id -> BigInt,
        kind -> Text,
        covered_until -> Timestamp,
    }
}

diesel::table! {
    queue_counts (department_id, status, slot) {
        department_id -> BigInt,
        status -> Text,
        count -> BigInt,
        slot -> Integer,
    }
}

diesel::table! {
    licences (id) {
        id -> BigInt,
        number -> Text,
        holder_id -> BigInt,
        item_id -> BigInt,
        application_id -> BigInt,
        name -> Text,
        issued_on -> Date,
        status -> Text,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
    }
}

diesel::table! {
    document_sequences (department_id, year) {
        department_id -> BigInt,
        year -> Integer,
        last_number -> Integer,
    }
}

diesel::table! {
    decision_documents (application_id) {
        application_id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        sequence -> Integer,
        number -> Text,
    }
}

diesel::table! {
    material_licences (application_id, material_name) {
        application_id -> BigInt,
        material_name -> Text,
        licence_id -> BigInt,
    }
}

diesel::joinable!(material_licences -> licences (licence_id));
diesel::joinable!(decision_documents -> applications (application_id));
diesel::joinable!(application_notes -> applications (application_id));
diesel::joinable!(application_notes -> users (author_id));
diesel::joinable!(application_sign_offs -> applications (application_id));
diesel::joinable!(application_sign_offs -> departments (department_id));
diesel::joinable!(supervision_cards -> applications (application_id));
diesel::joinable!(applications -> workflow_definitions (workflow_definition_id));
diesel::joinable!(applications -> departments (department_id));
diesel::joinable!(application_files -> applications (application_id));
diesel::joinable!(material_pledges -> applications (application_id));
diesel::joinable!(form_definitions -> services (service_id));
diesel::joinable!(applications -> services (service_id));
diesel::joinable!(applications -> form_definitions (form_definition_id));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(applications -> users (applicant_id));
diesel::joinable!(hotline_requests -> applications (application_id));

diesel::joinable!(user_departments -> users (user_id));
diesel::joinable!(user_departments -> departments (department_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(admin_events -> users (actor_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(sign_in_trust -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    items,
    services,
    service_materials,
    users,
    user_departments,
    sessions,
    login_failures,
    sign_in_trust,
    one_time_tokens,
    form_definitions,
    applications,
    application_events,
    application_files,
    material_pledges,
    workflow_definitions,
    calendar_days,
    calendar_stamp,
    calendar_years,
    application_sign_offs,
    application_notes,
    supervision_cards,
    outbox,
    queue_counts,
    licences,
    material_licences,
    workflow_drafts,
    form_drafts,
    admin_events,
    mail_digests,
    document_sequences,
    decision_documents,
    ratings,
    hotline_requests,
    hotline_types,
    streets,
    communities,
    grids,
    grid_assignments,
    inspector_streets,
    territory_stamp,
    event_categories,
    event_types,
    grid_events,
    event_day_counts,
    devices,
    patrols,
    patrol_points,
);
