/* SPDX-License-Identifier: MIT */
/*
 * routes.c -- every route of the server: method, path, least role, body limit, handler and
 * name. docs/openapi.json describes each one; tests/integration checks that the two agree.
 *
 * Roles (docs/server.md "Roles"): reads need reader; submitting signed records needs writer;
 * the admin-only events of the rules (sources, agents, epochs, gold, quarantine decisions),
 * keys, the audit logs and the integrity check need admin. The record's own signature and
 * the rules still decide whether its agent may do what it asks (docs/rules.md).
 */
#include "api.h"
#include "srv.h"
#include "watch.h"

#define R   STEME_APIKEY_ROLE_READER
#define W   STEME_APIKEY_ROLE_WRITER
#define A   STEME_APIKEY_ROLE_ADMIN
#define ANY ((steme_apikey_role)0)

const srv_route srv_routes[] = {
    {"GET", "/v1/health", ANY, SRV_BODY_NONE, srv_api_health, "health"},
    {"GET", "/v1/ready", ANY, SRV_BODY_NONE, srv_api_ready, "ready"},
    {"GET", "/metrics", ANY, SRV_BODY_NONE, srv_api_metrics, "metrics"},
    {"GET", "/v1/openapi.json", ANY, SRV_BODY_NONE, srv_api_openapi, "openapi"},
    {"GET", "/v1/stats", R, SRV_BODY_NONE, srv_api_stats, "stats"},

    {"POST", "/v1/records", W, SRV_BODY_INGEST, srv_api_ingest, "records.ingest"},
    {"GET", "/v1/records/{id}", R, SRV_BODY_NONE, srv_api_record_get, "records.get"},
    {"GET", "/v1/records/{id}/history", R, SRV_BODY_NONE, srv_api_record_history,
     "records.history"},
    {"GET", "/v1/records/{id}/provenance", R, SRV_BODY_NONE, srv_api_record_provenance,
     "records.provenance"},
    {"GET", "/v1/records/{id}/state", R, SRV_BODY_NONE, srv_api_record_state, "records.state"},
    {"GET", "/v1/log", R, SRV_BODY_NONE, srv_api_log, "log"},
    {"GET", "/v1/list", R, SRV_BODY_NONE, srv_api_list, "list"},
    {"GET", "/v1/reports/{seq}", R, SRV_BODY_NONE, srv_api_report, "reports.get"},
    {"POST", "/v1/votes", W, SRV_BODY_INGEST, srv_api_ingest_votes, "votes.ingest"},
    {"POST", "/v1/supersessions", W, SRV_BODY_INGEST, srv_api_ingest_supersessions,
     "supersessions.ingest"},
    {"POST", "/v1/retractions", W, SRV_BODY_INGEST, srv_api_ingest_retractions,
     "retractions.ingest"},
    {"POST", "/v1/reaffirmations", W, SRV_BODY_INGEST, srv_api_ingest_reaffirmations,
     "reaffirmations.ingest"},

    {"GET", "/v1/sources", R, SRV_BODY_NONE, srv_api_sources_list, "sources.list"},
    {"POST", "/v1/sources", A, SRV_BODY_INGEST, srv_api_source_register, "sources.register"},
    {"GET", "/v1/sources/{id}", R, SRV_BODY_NONE, srv_api_source_get, "sources.get"},
    {"POST", "/v1/sources/{id}/retract", A, SRV_BODY_INGEST, srv_api_source_retract,
     "sources.retract"},
    {"POST", "/v1/sources/{id}/reinstate", A, SRV_BODY_INGEST, srv_api_source_reinstate,
     "sources.reinstate"},
    {"GET", "/v1/sources/{id}/impact", R, SRV_BODY_NONE, srv_api_source_impact, "sources.impact"},
    {"GET", "/v1/agents", R, SRV_BODY_NONE, srv_api_agents_list, "agents.list"},
    {"POST", "/v1/agents", W, SRV_BODY_INGEST, srv_api_agent_profile, "agents.profile"},
    {"GET", "/v1/agents/{key}", R, SRV_BODY_NONE, srv_api_agent_get, "agents.get"},
    {"GET", "/v1/epochs", R, SRV_BODY_NONE, srv_api_epochs_list, "epochs.list"},
    {"POST", "/v1/epochs", A, SRV_BODY_INGEST, srv_api_epoch_event, "epochs.event"},
    {"GET", "/v1/gold", R, SRV_BODY_NONE, srv_api_gold_get, "gold.get"},
    {"POST", "/v1/gold", A, SRV_BODY_INGEST, srv_api_gold_set, "gold.set"},
    {"GET", "/v1/quarantine", R, SRV_BODY_NONE, srv_api_quarantine_list, "quarantine.list"},
    {"POST", "/v1/quarantine/{id}/approve", A, SRV_BODY_INGEST, srv_api_quarantine_approve,
     "quarantine.approve"},
    {"POST", "/v1/quarantine/{id}/reject", A, SRV_BODY_INGEST, srv_api_quarantine_reject,
     "quarantine.reject"},

    {"GET", "/v1/query", R, SRV_BODY_NONE, srv_api_query_get, "query.get"},
    {"POST", "/v1/query", R, SRV_BODY_READ, srv_api_query_post, "query.post"},
    {"GET", "/v1/compare", R, SRV_BODY_NONE, srv_api_compare, "compare"},
    {"POST", "/v1/receipts/verify", R, SRV_BODY_READ, srv_api_receipt_verify, "receipts.verify"},
    {"GET", "/v1/watch", R, SRV_BODY_NONE, srv_api_watch, "watch"},
    {"GET", "/v1/audit", A, SRV_BODY_NONE, srv_api_audit, "audit.queries"},

    {"GET", "/v1/admin/keys", A, SRV_BODY_NONE, srv_api_keys_list, "keys.list"},
    {"POST", "/v1/admin/keys", A, SRV_BODY_READ, srv_api_keys_create, "keys.create"},
    {"DELETE", "/v1/admin/keys/{id}", A, SRV_BODY_NONE, srv_api_keys_revoke, "keys.revoke"},
    {"GET", "/v1/admin/log", A, SRV_BODY_NONE, srv_api_admin_log, "admin.log"},
    {"POST", "/v1/admin/check", A, SRV_BODY_NONE, srv_api_check, "admin.check"},
    {0},
};
