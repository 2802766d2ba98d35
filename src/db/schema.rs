// One portable schema for both backends: only BigInt, Integer, Text, Bool and Timestamp.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        sector -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        nis2_entity -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        organisation_id -> BigInt,
        role -> Text,
        locale -> Text,
        time_zone -> Text,
        active -> Bool,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_heads (stream) {
        stream -> Text,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        stream -> Text,
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_ip -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<BigInt>,
        incident_id -> Nullable<BigInt>,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        recipient_email -> Text,
        recipient_user_id -> Nullable<BigInt>,
        locale -> Text,
        incident_id -> Nullable<BigInt>,
        thread_key -> Nullable<Text>,
        context -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        message_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_optouts (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        user_agent -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organisations (organisation_id));

diesel::table! {
    reference_counters (scope) {
        scope -> Text,
        last_value -> BigInt,
    }
}

diesel::table! {
    incidents (id) {
        id -> BigInt,
        reference -> Text,
        title -> Text,
        description -> Text,
        search_key -> Text,
        category -> Text,
        severity -> Nullable<Text>,
        tlp -> Text,
        tlp_rank -> Integer,
        pap -> Text,
        status -> Text,
        organisation_id -> BigInt,
        reporter_id -> Nullable<BigInt>,
        reporter_contact -> Nullable<Text>,
        tracking_hash -> Nullable<Text>,
        assignee_id -> Nullable<BigInt>,
        detected_at -> Nullable<Timestamp>,
        reported_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
        contained_at -> Nullable<Timestamp>,
        eradicated_at -> Nullable<Timestamp>,
        recovered_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        ack_due_at -> Timestamp,
        resolution -> Nullable<Text>,
        root_cause -> Nullable<Text>,
        duplicate_of -> Nullable<BigInt>,
        reopen_count -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contain_due_at -> Nullable<Timestamp>,
        resolve_due_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sla_policies (severity) {
        severity -> Text,
        ack_minutes -> Integer,
        contain_minutes -> Integer,
        resolve_minutes -> Integer,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deadline_alerts (id) {
        id -> BigInt,
        deadline_key -> Text,
        alert -> Text,
        incident_id -> Nullable<BigInt>,
        due_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    significant_incidents (incident_id) {
        incident_id -> BigInt,
        marked_at -> Timestamp,
        marked_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    incident_reports (id) {
        id -> BigInt,
        incident_id -> BigInt,
        stage -> Text,
        due_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<BigInt>,
        fields -> Text,
        supersedes -> Nullable<BigInt>,
        requested_by -> Nullable<BigInt>,
        ack_due_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<BigInt>,
        feedback -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incident_shares (id) {
        id -> BigInt,
        incident_id -> BigInt,
        organisation_id -> BigInt,
        max_tlp -> Text,
        max_tlp_rank -> Integer,
        shared_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        incident_id -> BigInt,
        author_id -> Nullable<BigInt>,
        body -> Text,
        visibility -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        incident_id -> BigInt,
        title -> Text,
        assignee_id -> Nullable<BigInt>,
        status -> Text,
        due_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    assets (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        kind -> Text,
        hostname -> Nullable<Text>,
        ip -> Nullable<Text>,
        ip_start -> Nullable<Text>,
        ip_end -> Nullable<Text>,
        domain -> Nullable<Text>,
        sector -> Nullable<Text>,
        criticality -> Integer,
        approved -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        vendor -> Nullable<Text>,
        product -> Nullable<Text>,
        cpe -> Nullable<Text>,
    }
}

diesel::table! {
    incident_assets (id) {
        id -> BigInt,
        incident_id -> BigInt,
        asset_id -> BigInt,
        impact -> Nullable<Text>,
        linked_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    observables (id) {
        id -> BigInt,
        incident_id -> BigInt,
        kind -> Text,
        value -> Text,
        tlp -> Text,
        tlp_rank -> Integer,
        note -> Nullable<Text>,
        ip_key -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        first_seen -> Timestamp,
        last_seen -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evidence (id) {
        id -> BigInt,
        incident_id -> BigInt,
        file_name -> Text,
        media_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        description -> Text,
        collected_by -> Nullable<BigInt>,
        collected_at -> Timestamp,
        uploader_organisation_id -> BigInt,
    }
}

diesel::table! {
    custody_events (id) {
        id -> BigInt,
        evidence_id -> BigInt,
        action -> Text,
        actor_id -> Nullable<BigInt>,
        from_holder -> Nullable<Text>,
        to_holder -> Nullable<Text>,
        location -> Nullable<Text>,
        purpose -> Nullable<Text>,
        authority -> Nullable<Text>,
        note -> Nullable<Text>,
        hash_verified -> Nullable<Bool>,
        at -> Timestamp,
        time_zone -> Text,
    }
}

diesel::table! {
    vulnerabilities (id) {
        id -> BigInt,
        cve -> Text,
        summary -> Nullable<Text>,
        vendor -> Nullable<Text>,
        product -> Nullable<Text>,
        kev -> Bool,
        kev_added -> Nullable<Text>,
        kev_due -> Nullable<Text>,
        kev_action -> Nullable<Text>,
        ransomware_use -> Bool,
        cwes -> Nullable<Text>,
        epss_ppm -> Nullable<Integer>,
        epss_percentile_ppm -> Nullable<Integer>,
        epss_date -> Nullable<Text>,
        cvss_vector -> Nullable<Text>,
        cvss_score_tenths -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    asset_vulnerabilities (id) {
        id -> BigInt,
        asset_id -> BigInt,
        vulnerability_id -> BigInt,
        status -> Text,
        note -> Nullable<Text>,
        linked_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    risks (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        title -> Text,
        description -> Text,
        threat -> Text,
        likelihood -> Integer,
        impact -> Integer,
        score -> Integer,
        level -> Text,
        owner_id -> Nullable<BigInt>,
        treatment -> Text,
        treatment_plan -> Nullable<Text>,
        treatment_due -> Nullable<Text>,
        review_at -> Nullable<Text>,
        residual_likelihood -> Nullable<Integer>,
        residual_impact -> Nullable<Integer>,
        review_due -> Bool,
        review_incident_id -> Nullable<BigInt>,
        last_reviewed_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    risk_assets (risk_id, asset_id) {
        risk_id -> BigInt,
        asset_id -> BigInt,
    }
}

diesel::table! {
    risk_incidents (risk_id, incident_id) {
        risk_id -> BigInt,
        incident_id -> BigInt,
        linked_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    risk_vulnerabilities (risk_id, vulnerability_id) {
        risk_id -> BigInt,
        vulnerability_id -> BigInt,
        linked_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(incidents -> organisations (organisation_id));
diesel::joinable!(incident_shares -> incidents (incident_id));
diesel::joinable!(comments -> incidents (incident_id));
diesel::joinable!(tasks -> incidents (incident_id));
diesel::joinable!(incident_assets -> incidents (incident_id));
diesel::joinable!(incident_assets -> assets (asset_id));
diesel::joinable!(observables -> incidents (incident_id));
diesel::joinable!(assets -> organisations (organisation_id));
diesel::joinable!(notification_optouts -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(evidence -> incidents (incident_id));
diesel::joinable!(custody_events -> evidence (evidence_id));
diesel::joinable!(asset_vulnerabilities -> assets (asset_id));
diesel::joinable!(asset_vulnerabilities -> vulnerabilities (vulnerability_id));
diesel::joinable!(risks -> organisations (organisation_id));
diesel::joinable!(risk_assets -> risks (risk_id));
diesel::joinable!(risk_assets -> assets (asset_id));
diesel::joinable!(risk_incidents -> risks (risk_id));
diesel::joinable!(risk_incidents -> incidents (incident_id));
diesel::joinable!(risk_vulnerabilities -> risks (risk_id));
diesel::joinable!(risk_vulnerabilities -> vulnerabilities (vulnerability_id));
diesel::joinable!(deadline_alerts -> incidents (incident_id));
diesel::joinable!(incident_reports -> incidents (incident_id));
diesel::joinable!(significant_incidents -> incidents (incident_id));

diesel::table! {
    incident_techniques (id) {
        id -> BigInt,
        incident_id -> BigInt,
        technique_id -> Text,
        note -> Nullable<Text>,
        source -> Text,
        added_by -> Nullable<BigInt>,
        added_at -> Timestamp,
    }
}

diesel::table! {
    model_versions (id) {
        id -> BigInt,
        examples -> Integer,
        fingerprint -> Text,
        trained_at -> Timestamp,
    }
}

diesel::table! {
    model_examples (id) {
        id -> BigInt,
        version_id -> BigInt,
        incident_id -> Nullable<BigInt>,
        text -> Text,
        technique_id -> Text,
    }
}

diesel::joinable!(incident_techniques -> incidents (incident_id));
diesel::joinable!(model_examples -> model_versions (version_id));
// Every table, once: the macro implements each pair.
diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    login_throttle,
    audit_heads,
    audit_events,
    reference_counters,
    incidents,
    incident_shares,
    comments,
    tasks,
    assets,
    incident_assets,
    observables,
    outbox,
    notification_optouts,
    sessions,
    evidence,
    custody_events,
    vulnerabilities,
    asset_vulnerabilities,
    risks,
    risk_assets,
    risk_incidents,
    risk_vulnerabilities,
    sla_policies,
    deadline_alerts,
    incident_reports,
    significant_incidents,
    incident_techniques,
    model_versions,
    model_examples,
);
