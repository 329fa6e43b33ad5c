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

diesel::allow_tables_to_appear_in_same_query!(departments, items, services, service_materials);
