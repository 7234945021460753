/* SPDX-License-Identifier: MIT */
/*
 * api.h -- the handlers of the /v1 routes, one group per file (api_*.c); routes.c lists them
 * with their methods, paths and roles.
 */
#ifndef STEME_SERVER_API_H
#define STEME_SERVER_API_H

#include "srv.h"

/* api_meta.c: liveness, readiness, metrics, the OpenAPI document, stats */
void srv_api_health(srv_req *r);
void srv_api_ready(srv_req *r);
void srv_api_metrics(srv_req *r);
void srv_api_openapi(srv_req *r);
void srv_api_stats(srv_req *r);

/* api_records.c: ingest (any signed record, or one kind), reads of records and the log */
void srv_api_ingest(srv_req *r);
void srv_api_ingest_votes(srv_req *r);
void srv_api_ingest_supersessions(srv_req *r);
void srv_api_ingest_retractions(srv_req *r);
void srv_api_ingest_reaffirmations(srv_req *r);
void srv_api_record_get(srv_req *r);
void srv_api_record_history(srv_req *r);
void srv_api_record_provenance(srv_req *r);
void srv_api_record_state(srv_req *r);
void srv_api_log(srv_req *r);
void srv_api_list(srv_req *r);
void srv_api_report(srv_req *r);

/* api_catalog.c: sources, agents, epochs, gold, quarantine */
void srv_api_sources_list(srv_req *r);
void srv_api_source_get(srv_req *r);
void srv_api_source_register(srv_req *r);
void srv_api_source_retract(srv_req *r);
void srv_api_source_reinstate(srv_req *r);
void srv_api_source_impact(srv_req *r);
void srv_api_agents_list(srv_req *r);
void srv_api_agent_get(srv_req *r);
void srv_api_agent_profile(srv_req *r);
void srv_api_epochs_list(srv_req *r);
void srv_api_epoch_event(srv_req *r);
void srv_api_gold_get(srv_req *r);
void srv_api_gold_set(srv_req *r);
void srv_api_quarantine_list(srv_req *r);
void srv_api_quarantine_approve(srv_req *r);
void srv_api_quarantine_reject(srv_req *r);

/* api_query.c: queries through lenses, lens comparison, receipts, the query audit */
void srv_api_query_get(srv_req *r);
void srv_api_query_post(srv_req *r);
void srv_api_compare(srv_req *r);
void srv_api_receipt_verify(srv_req *r);
void srv_api_audit(srv_req *r);

/* api_admin.c: API keys, the admin audit log, integrity check */
void srv_api_keys_list(srv_req *r);
void srv_api_keys_create(srv_req *r);
void srv_api_keys_revoke(srv_req *r);
void srv_api_admin_log(srv_req *r);
void srv_api_check(srv_req *r);

/* Write one row to the admin audit log for the admin action r is performing (actor: its key
 * id); detail is a short JSON document without secrets (stolen; may be NULL). */
void srv_admin_audit(srv_req *r, const char *action, json_t *detail);

#endif
