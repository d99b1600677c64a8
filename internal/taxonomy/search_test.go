package taxonomy

import "testing"

func TestSearch(t *testing.T) {
	tree := DefaultTree()
	codes := func(cs []Category) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Code)
		}
		return out
	}
	got := tree.Search("生活垃圾", 10)
	if len(got) == 0 || got[0].Code != "010201" {
		t.Fatalf("生活垃圾: %v", codes(got))
	}
	for _, c := range got {
		if !c.Leaf || !c.Active {
			t.Errorf("%s is not an active leaf", c.Code)
		}
	}
	// A group's name finds its leaves; two words must both be found.
	if got := tree.Search("垃圾收运 清运", 10); len(got) == 0 || got[0].Code != "010201" {
		t.Errorf("group and leaf words: %v", codes(got))
	}
	if got := tree.Search("HOUSEHOLD waste", 10); len(got) == 0 || got[0].Code != "010201" {
		t.Errorf("English, any case: %v", codes(got))
	}
	if got := tree.Search("垃圾", 2); len(got) != 2 {
		t.Errorf("limit: %v", codes(got))
	}
	if got := tree.Search("  ", 10); got != nil {
		t.Errorf("blank: %v", codes(got))
	}
	if got := tree.Search("火星移民", 10); got != nil {
		t.Errorf("nothing: %v", codes(got))
	}
}
