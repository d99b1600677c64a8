package warning

import (
	"fmt"

	"anju/internal/dispute"
)

// LargeDispute reports whether a dispute involving people people with
// amountFen fen at stake is worth a warning to its street and district:
// at least LargeDisputePeople people, or at least LargeDisputeAmount yuan.
// A city sets its own thresholds by the policy it passes.
func LargeDispute(people int, amountFen int64, p Policy) bool {
	p = p.WithDefaults()
	return people >= p.LargeDisputePeople || amountFen >= p.LargeDisputeAmount*100
}

// WithDisputeThresholds is p with the thresholds a city set for large
// disputes (people involved, amount at stake in yuan) in place of its own;
// a threshold the city left unset (zero) keeps p's.
func (p Policy) WithDisputeThresholds(people int, amountYuan int64) Policy {
	if people > 0 {
		p.LargeDisputePeople = people
	}
	if amountYuan > 0 {
		p.LargeDisputeAmount = amountYuan
	}
	return p
}

// LargeDisputeStates are the states of a dispute that can raise a warning:
// the open ones (dispute.State.Open), still on Anju's lists; one settled or
// concluded elsewhere is past warning of.
func LargeDisputeStates() []dispute.State {
	var out []dispute.State
	for _, s := range dispute.States {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}

// LargeDisputeWindow is the window key of a large dispute's warning: one
// per dispute, whatever becomes of it.
const LargeDisputeWindow = "1"

// LargeDisputeTitle is a large dispute's title: code is its case's tracking
// code as shown to people, kind the dispute type's name, street the
// street's. It names the dispute and its size, never a party.
func LargeDisputeTitle(code, kind, street string, people int, amountFen int64) string {
	return fmt.Sprintf("%s 重大矛盾纠纷 %s（%s）：涉及 %d 人，标的 %s 元", street, code, kind, people, dispute.Yuan(amountFen))
}
