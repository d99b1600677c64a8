// Package deadline is the working-day calendar of a city and the clocks that
// run on it: deadlines for cases by category and priority. The statutory
// clock of a petition (信访) counts on this calendar from package petition.
//
// The official PRC holiday arrangements for the covered years are shipped as
// data (calendar/cn-2025-2026.csv, embedded); a city adds its own overrides
// and, each November, the next year's State Council notice. Dates outside the
// covered years fall back to the plain Monday-to-Friday rule, so check
// Calendar.CoveredYears.
//
// Counting follows the Civil Code (《民法典》第二百零一条 to 第二百零四条),
// which administrative practice applies where a regulation says nothing else:
// the day on which a period starts is not counted; a period whose last day is
// a statutory holiday or rest day ends on the next working day; a period
// ends at 24:00 of its last day. Every deadline is returned as the instant it
// ends, and is missed by anything strictly after it.
//
// The package is pure: standard library and anju only, no I/O, time from the
// caller or an anju.Clock.
package deadline
