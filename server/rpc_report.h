/*
 * rpc_report.h - the distributor's monthly report (open, save, submit,
 * review, return to draft, get, list) and attainment against targets with
 * inventory turns and weeks of cover. SQL in rpc_report.c; the rules and
 * the figures in migration 0032.
 */
#ifndef LIAISON_RPC_REPORT_H
#define LIAISON_RPC_REPORT_H

#include <stdbool.h>

#include "request.h"

int rpc_report_register(void);

/* "month" for YYYY-MM, "quarter" for YYYY-Qn, "year" for YYYY; NULL for anything else. */
const char *report_period_kind(const char *s);

/*
 * True unless periods from and to (either may be empty) make a reversed
 * range, from starting after to ends; then answers INVALID_ARGUMENT on
 * to_field, as request_check_range does, and returns false.
 */
bool report_range_ok(struct request *r, const char *to_field, const char *from, const char *to);

/*
 * True when s is a period (only a month when month_only), or empty and not
 * required; otherwise answers INVALID_ARGUMENT on field and returns false.
 */
bool report_period_ok(struct request *r, const char *field, const char *s, bool month_only,
                      bool required);

/*
 * True when names[0..n) are sections of a monthly report (sales_by_line,
 * inventory_on_hand, pipeline, market_intelligence, competitive_activity),
 * at most the five; otherwise answers INVALID_ARGUMENT on field[i] (or
 * field) and returns false.
 */
bool report_sections_ok(struct request *r, const char *field, char *const *names, size_t n);

void rpc_open_report(struct request *r);
void rpc_save_report(struct request *r);
void rpc_submit_report(struct request *r);
void rpc_review_report(struct request *r);
void rpc_reopen_report(struct request *r);
void rpc_get_report(struct request *r);
void rpc_list_reports(struct request *r);
/* The months over whose report is not submitted, per distributor the caller sees. */
void rpc_list_reports_owed(struct request *r);
void rpc_get_attainment(struct request *r);

#endif
