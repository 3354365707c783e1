/*
 * geo.h - the reference lists the charter and distributor records are
 * checked against, loaded once at start: ISO 3166-1 countries and ISO
 * 3166-2 subdivisions from Debian's iso-codes data, ISO 639 languages and
 * ISO 4217 currencies from the same, and IANA time zones from the system's tz database. Read-only
 * after geo_load(), so every worker may use them without locking.
 */
#ifndef LIAISON_GEO_H
#define LIAISON_GEO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Loads iso_3166-1.json, iso_3166-2.json, iso_639-3.json and iso_4217.json from iso_dir
 * and tzdata.zi from zoneinfo_dir. Returns 0, or -1 with err set.
 */
int geo_load(const char *iso_dir, const char *zoneinfo_dir, char *err, size_t errlen);
void geo_free(void);

/*
 * Upper-cases an ASCII code in place ("vn-sg" -> "VN-SG"): people type codes
 * in any case, the lists and the database hold them in upper case. For a
 * handler's own decoded request, before it is checked and stored.
 */
void geo_upcase(const char *code);

/* "VN" */
bool geo_country(const char *code);
/* "VN" or "VN-SG": a country or one of its subdivisions. */
bool geo_region(const char *code);
/*
 * "VND": an ISO 4217 currency code that money is counted in (not XXX, no currency, XTS, a
 * precious metal, the SDR nor an accounting unit).
 */
bool geo_currency(const char *code);
/* "Asia/Ho_Chi_Minh", or a link such as "Asia/Saigon". */
bool geo_time_zone(const char *name);

/* The zone of the tz database named name in another case ("asia/tokyo"), or NULL. */
const char *geo_time_zone_in_any_case(const char *name);
/* A well-formed BCP 47 tag whose language subtag is a known ISO 639 code. */
bool geo_language_tag(const char *tag);
/*
 * A tag geo_language_tag() took, rewritten in place in BCP 47's own case:
 * language lower, script title, region upper ("VI-vn" -> "vi-VN"), so that
 * a tag is stored and compared one way.
 */
void geo_language_canonical(char *tag);

#endif
