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

// LargeDisputeWindow is the window key of a large dispute's warning: one
// per dispute, whatever becomes of it.
const LargeDisputeWindow = "1"

// LargeDisputeTitle is a large dispute's title: code is its case's tracking
// code as shown to people, kind the dispute type's name, street the
// street's. It names the dispute and its size, never a party.
func LargeDisputeTitle(code, kind, street string, people int, amountFen int64) string {
	return fmt.Sprintf("%s 重大矛盾纠纷 %s（%s）：涉及 %d 人，标的 %s 元", street, code, kind, people, dispute.Yuan(amountFen))
}
