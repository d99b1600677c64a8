package deadline

import (
	"slices"

	"anju/internal/anju"
)

// Priorities as the case package spells them. The policy keys on the string
// so that this package need not import the case package.
const (
	PriorityNormal = "normal"
	PriorityUrgent = "urgent"
)

// Deadlines are the two clocks a case runs against: Response, to contact the
// reporter (接诉后联系诉求人), and Resolution, to resolve the matter (办结).
type Deadlines struct {
	Response   Duration `json:"response"`
	Resolution Duration `json:"resolution"`
}

// Validate returns EINVALID unless both periods are valid.
func (d Deadlines) Validate() error {
	if err := d.Response.Validate(); err != nil {
		return anju.FieldError("response", "response deadline: %s", anju.ErrorMessage(err))
	}
	if err := d.Resolution.Validate(); err != nil {
		return anju.FieldError("resolution", "resolution deadline: %s", anju.ErrorMessage(err))
	}
	return nil
}

// Rule sets the deadlines for one category and priority. An empty Category
// is the city-wide default for that priority.
type Rule struct {
	Category  string    `json:"category"`
	Priority  string    `json:"priority"`
	Deadlines Deadlines `json:"deadlines"`
}

// Policy is a city's deadline configuration: plain data, stored by the city
// and edited by its administrators. Petitions (信访) do not use it: their
// periods are fixed by regulation (see petition.Clock).
type Policy struct {
	Rules []Rule `json:"rules"`
}

// DefaultPolicy is what a new city starts with, modelled on common 12345
// hotline practice; every city sets its own. Normal: contact the reporter
// within 1 working day, resolve within 15 working days. Urgent: contact
// within 2 hours, resolve within 24 hours, round the clock.
func DefaultPolicy() Policy {
	return Policy{Rules: []Rule{
		{Priority: PriorityNormal, Deadlines: Deadlines{
			Response:   Duration{1, WorkingDays},
			Resolution: Duration{15, WorkingDays},
		}},
		{Priority: PriorityUrgent, Deadlines: Deadlines{
			Response:   Duration{2, Hours},
			Resolution: Duration{24, Hours},
		}},
	}}
}

// Validate returns EINVALID for a rule with an unknown priority or an invalid
// period, two rules for the same category and priority, or a priority with no
// default (Category "") rule, since every case must get a deadline.
func (p Policy) Validate() error {
	type key struct{ cat, pri string }
	seen := map[key]bool{}
	for _, r := range p.Rules {
		if r.Priority != PriorityNormal && r.Priority != PriorityUrgent {
			return anju.FieldError("priority", "unknown priority %q in the deadline rule for category %q", r.Priority, r.Category)
		}
		if err := r.Deadlines.Validate(); err != nil {
			return anju.FieldError(anju.ErrorField(err), "category %q, %s: %s", r.Category, r.Priority, anju.ErrorMessage(err))
		}
		k := key{r.Category, r.Priority}
		if seen[k] {
			return anju.FieldError("category", "two deadline rules for category %q, %s", r.Category, r.Priority)
		}
		seen[k] = true
	}
	for _, pri := range []string{PriorityNormal, PriorityUrgent} {
		if !seen[key{"", pri}] {
			return anju.FieldError("category", "no default deadline rule for %s priority", pri)
		}
	}
	return nil
}

// Lookup returns the deadlines for a case of the given priority whose
// category and its ancestors are categories, most specific first
// ("0102.03", "0102", "01"): the first category with a rule wins, then the
// default rule for the priority. ok is false if nothing matches.
func (p Policy) Lookup(priority string, categories ...string) (d Deadlines, ok bool) {
	for _, cat := range append(slices.Clone(categories), "") {
		for _, r := range p.Rules {
			if r.Category == cat && r.Priority == priority {
				return r.Deadlines, true
			}
		}
	}
	return Deadlines{}, false
}
