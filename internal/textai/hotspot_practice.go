package textai

import (
	"cmp"
	"slices"
	"strings"
)

// Practices: one problem at many places.
//
// Some problems are one practice that recurs from place to place: vice at
// hotels and foot spas (涉黄), fitted-out flats sold for more than they are
// worth (精装) at estate after estate. To a leader that is one problem with
// one owner (the police, the housing bureau) and one remedy, not nine
// hotels' problems each raised once or twice, none of which would reach
// the top, nor a cluster named after the one estate of five that happened
// to be written about most. Clustering by words alone cannot keep them
// together: each report names its own venue, the venue's words outweigh
// the practice's, and the practice is written in several ways (涉黄,
// 卖淫, 色情). So the practices are listed, each with the words that name
// it in a title, and every report whose title uses one is taken from
// wherever clustering put it — alone, in a pair about one hotel, or among
// an estate's other complaints — into one cluster of the practice.
//
// The list is short on purpose. A word qualifies when it names a wrong done
// in the same way at many places and handled by one office; the name of a
// thing (a developer, a metro line, a fraud case) does not, because its
// reports already share the name and cluster by it, and a common word (补贴,
// 噪音) does not, because the same word at two estates is two problems.

// hotspotPractice is one practice: the title words that name it and the
// problem as a leader reads it.
type hotspotPractice struct {
	words   []string
	problem string
}

var hotspotPractices = []hotspotPractice{
	{[]string{"涉黄", "卖淫", "嫖娼", "色情"}, "涉黄"},
	{[]string{"精装", "全装修"}, "精装修质价不符"},
}

// gatherPractices moves every report whose title names a practice into one
// cluster of that practice (see above) and returns the clusters, emptied
// ones left out, with the problem of each practice cluster ("" for the
// others). A practice named by fewer than practiceMinReports titles is
// left as clustering found it.
func gatherPractices(reports []HotspotReport, clusters [][]int32) ([][]int32, []string) {
	of := make([]int, len(reports)) // practice index + 1, 0 for none
	count := make([]int, len(hotspotPractices))
	for i := range reports {
		for p, pr := range hotspotPractices {
			if slices.ContainsFunc(pr.words, func(w string) bool { return strings.Contains(reports[i].Title, w) }) {
				of[i] = p + 1
				count[p]++
				break
			}
		}
	}
	var out [][]int32
	var problems []string
	gathered := make([][]int32, len(hotspotPractices))
	for _, ms := range clusters {
		var kept []int32
		for _, m := range ms {
			if p := of[m] - 1; p >= 0 && count[p] >= practiceMinReports {
				gathered[p] = append(gathered[p], m)
			} else {
				kept = append(kept, m)
			}
		}
		if len(kept) > 0 {
			out = append(out, kept)
			problems = append(problems, "")
		}
	}
	for p, ms := range gathered {
		if len(ms) > 0 {
			out = append(out, ms)
			problems = append(problems, hotspotPractices[p].problem)
		}
	}
	return out, problems
}

// practiceMinReports is the fewest titles that make a practice a cluster
// of its own.
const practiceMinReports = 3

// practiceVenues name the kind of place a practice recurs at, by a word
// of its titles, for the label of its name.
var practiceVenues = []struct{ word, label string }{
	{"酒店", "多家酒店"}, {"宾馆", "多家酒店"}, {"足浴", "多家足浴店"}, {"沐足", "多家足浴店"}, {"足道", "多家足浴店"},
	{"楼盘", "多个楼盘"}, {"开发商", "多个楼盘"}, {"商品房", "多个楼盘"}, {"精装房", "多个楼盘"}, {"小区", "多个小区"},
	{"学校", "多所学校"}, {"幼儿园", "多所幼儿园"}, {"医院", "多家医院"}, {"工地", "多处工地"}, {"企业", "多家企业"},
	{"公司", "多家公司"}, {"商户", "多家商户"}, {"门店", "多家门店"}, {"网吧", "多家网吧"},
}

// practiceLabel names the places of a practice by the kinds its titles
// use ("多家酒店", "多家酒店和足浴店"), "多处" when no kind is used by a
// quarter of them.
func practiceLabel(reports []HotspotReport, members []int32) string {
	count := map[string]int{}
	for _, m := range members {
		seen := map[string]bool{}
		for _, v := range practiceVenues {
			if !seen[v.label] && strings.Contains(reports[m].Title, v.word) {
				seen[v.label] = true
				count[v.label]++
			}
		}
	}
	var labels []string
	for l, n := range count {
		if 4*n >= len(members) {
			labels = append(labels, l)
		}
	}
	slices.SortFunc(labels, func(a, b string) int { return cmp.Or(count[b]-count[a], strings.Compare(a, b)) })
	switch len(labels) {
	case 0:
		return "多处"
	case 1:
		return labels[0]
	}
	return labels[0] + "和" + strings.TrimPrefix(strings.TrimPrefix(labels[1], "多家"), "多个")
}
