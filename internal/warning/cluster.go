package warning

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/textai"
)

// A Cluster is a group of similar reports from one street, enough of them
// from distinct known reporters to be possibly a collective issue.
type Cluster struct {
	Reports   []textai.HotspotReport // in the order given to Clusters
	Reporters int                    // distinct known reporters
	Keywords  []string               // the words the reports share, most telling first
	From, To  time.Time              // the first and the last report
}

// IDs returns the reports' ids in ascending order.
func (c Cluster) IDs() []int64 {
	ids := make([]int64, len(c.Reports))
	for i, r := range c.Reports {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	return ids
}

// ClusterRaisedSince is how far back the cluster warnings already raised
// count as raised lately for Clusters: two windows before now, so that a
// cluster still growing through the next window is the one raised, not a
// new one.
func ClusterRaisedSince(now time.Time, p Policy) time.Time {
	return now.Add(-2 * p.WithDefaults().ClusterWindow)
}

// Clusters finds the clusters to raise at now among reports, each report's
// Place its street and User an opaque reporter key ("" when unknown). Only
// reports of the last ClusterWindow, after now-ClusterWindow and not after
// now, are considered. They are linked by text similarity within a street
// (see similarGroups); a group is a cluster with at least ClusterMin
// reports from at least ClusterMin distinct known reporters. Reports without
// a known reporter (anonymous, no phone) count as reports but not as
// reporters, because nothing shows they are not one person. A group of
// which half or more of the reports are in raised (the cases of cluster
// warnings raised lately) is the same cluster again and is left out.
func Clusters(reports []textai.HotspotReport, raised map[int64]bool, now time.Time, p Policy) []Cluster {
	p = p.WithDefaults()
	from := now.Add(-p.ClusterWindow)
	recent := make([]textai.HotspotReport, 0, len(reports))
	for _, r := range reports {
		if r.At.After(from) && !r.At.After(now) {
			recent = append(recent, r)
		}
	}
	var out []Cluster
	for _, group := range similarGroups(recent, p.ClusterText, p.ClusterMin) {
		people := map[string]bool{}
		old := 0
		for _, r := range group {
			if r.User != "" {
				people[r.User] = true
			}
			if raised[r.ID] {
				old++
			}
		}
		if len(people) < p.ClusterMin || 2*old >= len(group) {
			continue
		}
		c := Cluster{Reports: group, Reporters: len(people), From: group[0].At, To: group[0].At}
		for _, r := range group {
			if r.At.Before(c.From) {
				c.From = r.At
			}
			if r.At.After(c.To) {
				c.To = r.At
			}
		}
		// Name the problem with the words its reports share.
		if hs := textai.Hotspots(group, textai.HotspotOptions{MinSimilarity: 1e-9, MinReports: 1, Top: 1, Workers: 1}); len(hs) > 0 {
			c.Keywords = hs[0].Keywords
		}
		out = append(out, c)
	}
	return out
}

// Title is a cluster's title: street is the street's name, window the
// policy's ClusterWindow.
func (c Cluster) Title(street string, window time.Duration) string {
	return fmt.Sprintf("%s：%s内 %d 位群众反映相似问题（%s），可能为群体性诉求", street,
		strconv.FormatFloat(window.Hours(), 'f', -1, 64)+" 小时", c.Reporters,
		strings.Join(c.Keywords[:min(3, len(c.Keywords))], "、"))
}

// similarGroups links reports of one place (street) whose texts are similar
// (IDF-weighted cosine at least minText, with the window's reports as the
// corpus) and returns the connected groups of at least minSize reports, each
// in the order given. Single linkage: five people describe one outage in five
// ways, and each need resemble only some of the others.
func similarGroups(reports []textai.HotspotReport, minText float64, minSize int) [][]textai.HotspotReport {
	ix := textai.NewSimilarityIndex()
	for _, r := range reports {
		ix.Add(textai.Report{ID: r.ID, Title: r.Title, Text: r.Text, At: r.At})
	}
	byID := map[int64]int{}
	for i, r := range reports {
		byID[r.ID] = i
	}
	parent := make([]int, len(reports))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i, r := range reports {
		for _, m := range ix.Query(textai.Report{ID: r.ID, Title: r.Title, Text: r.Text, At: r.At}, 50) {
			j, ok := byID[m.ID]
			if ok && m.TextScore >= minText && reports[j].Place == r.Place {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]textai.HotspotReport{}
	var roots []int
	for i, r := range reports {
		root := find(i)
		if groups[root] == nil {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], r)
	}
	var out [][]textai.HotspotReport
	for _, root := range roots {
		if g := groups[root]; len(g) >= minSize {
			out = append(out, g)
		}
	}
	return out
}
