package warning

import (
	"fmt"
	"strconv"
)

// ReopenedEnough reports whether a case reopened n times is a long-standing
// case worth a warning: at least ReopenMin reopenings.
func ReopenedEnough(n int, p Policy) bool { return n >= p.WithDefaults().ReopenMin }

// ReopenWindow is the window key of a reopened case's warning: its number of
// reopenings. A case's warning is one per window, so it is raised again only
// when the case is reopened further.
func ReopenWindow(n int) string { return strconv.Itoa(n) }

// ReopenTitle is a reopened case's title: code is its tracking code as
// shown to people, title the case's own.
func ReopenTitle(code string, n int, title string) string {
	return fmt.Sprintf("案件 %s 已重新办理 %d 次：%s", code, n, title)
}

// OverduePile reports whether a department with overdue of its working cases
// past their deadline has a pile worth a warning: at least OverdueMin, or at
// least OverdueShareMin that are OverdueShare of its working cases or more.
func OverduePile(overdue, working int, p Policy) bool {
	p = p.WithDefaults()
	return overdue >= p.OverdueMin || (overdue >= p.OverdueShareMin && OverdueShare(overdue, working) >= p.OverdueShare)
}

// OverdueShare is the share of working cases that are overdue; 0 when
// there are none.
func OverdueShare(overdue, working int) float64 { return float64(overdue) / float64(max(working, 1)) }

// OverdueTitle is an overdue pile's title; department is the department's
// name.
func OverdueTitle(department string, overdue, working int) string {
	return fmt.Sprintf("%s 超期未办结案件 %d 件，占在办案件 %.0f%%", department, overdue, 100*OverdueShare(overdue, working))
}
