// Package dispute holds the rules of disputes (矛盾纠纷) and their mediation:
// the types of dispute, the parties, the sessions of a mediation, its
// outcome (an agreement with its terms, or no agreement and a referral to
// another channel), the follow-up visit that confirms the agreement holds
// (案结事了), and the states a dispute passes through with the transitions
// between them. It does no I/O: the store persists a dispute as a case of
// kind dispute with its detail in its own tables, asks Transition what
// follows, and applies the case workflow actions each step maps to.
//
// A party's name, phone and ID number are personal data: the store keeps
// them encrypted and shows them masked, as it does a reporter's.
package dispute

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/personal"
)

// Type is what a dispute is about.
type Type string

const (
	TypeNeighbour          Type = "neighbour"           // 邻里纠纷
	TypeFamily             Type = "family"              // 婚姻家庭纠纷
	TypePropertyManagement Type = "property_management" // 物业纠纷
	TypeLandlordTenant     Type = "landlord_tenant"     // 房屋租赁纠纷
	TypeLabour             Type = "labour"              // 劳动与欠薪纠纷
	TypeLandHousing        Type = "land_housing"        // 土地与房屋纠纷
	TypeConsumer           Type = "consumer"            // 消费纠纷
	TypeMedical            Type = "medical"             // 医疗纠纷
	TypeTraffic            Type = "traffic"             // 交通事故纠纷
	TypeOther              Type = "other"               // 其他
)

// Types lists every type.
var Types = []Type{TypeNeighbour, TypeFamily, TypePropertyManagement, TypeLandlordTenant, TypeLabour,
	TypeLandHousing, TypeConsumer, TypeMedical, TypeTraffic, TypeOther}

// Valid reports whether t is one of Types.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// PartyKind is whether a party is a person or an organisation.
type PartyKind string

const (
	Person       PartyKind = "person"
	Organisation PartyKind = "organisation"
)

// PartyRole is a party's side.
type PartyRole string

const (
	Applicant  PartyRole = "applicant"  // 申请人
	Respondent PartyRole = "respondent" // 被申请人
)

// Party is one side of a dispute as given at intake. Name, Phone and
// IDNumber are personal data for a person; an organisation's name is not,
// but its contact's phone is.
type Party struct {
	Kind     PartyKind `json:"kind"`
	Role     PartyRole `json:"role"`
	Name     string    `json:"name"`
	Phone    string    `json:"phone,omitempty"`
	IDNumber string    `json:"id_number,omitempty"`
}

// Personal is the party's data as the store encrypts it.
func (p Party) Personal() personal.Data {
	return personal.Data{Name: p.Name, Phone: p.Phone, IDNumber: p.IDNumber}
}

// Limits of a dispute's intake.
const (
	MaxParties = 50
	MaxOrgName = 100
	MinParties = 2
	// MaxAmount bounds the amount at stake, in yuan: far above any
	// dispute a street mediates, and exact in float64 to the fen.
	MaxAmount = 1e12
	MaxPeople = 100000
)

// Dispute is what intake records beside the case: the type, the amount at
// stake in yuan, the number of people involved and the parties.
type Dispute struct {
	Type    Type    `json:"type"`
	Amount  float64 `json:"amount"`
	People  int     `json:"people"`
	Parties []Party `json:"parties"`
}

// Yuan formats an amount in fen as yuan, without the fen when there are
// none: 12345600 → "123456", 12345 → "123.45".
func Yuan(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// AmountFen is the amount at stake in fen, as stored.
func (d Dispute) AmountFen() int64 { return int64(math.Round(d.Amount * 100)) }

// Validate cleans d's text and checks it: a known type, an amount of zero or
// more, at least one person involved, at least two parties with an applicant
// and a respondent among them, each of a known kind and side with a name of
// bounded length and valid personal data. EINVALID names the field at fault
// ("type", "parties[1].phone").
func (d *Dispute) Validate() error {
	switch {
	case !d.Type.Valid():
		return anju.FieldError("type", "unknown dispute type %q; one of %v", d.Type, Types)
	case math.IsNaN(d.Amount) || math.IsInf(d.Amount, 0) || d.Amount < 0:
		return anju.FieldError("amount", "the amount at stake is zero or more yuan")
	case d.Amount > MaxAmount:
		return anju.FieldError("amount", "the amount at stake is more than %.0f yuan", MaxAmount)
	case d.People < 1:
		return anju.FieldError("people", "at least one person is involved")
	case d.People > MaxPeople:
		return anju.FieldError("people", "more than %d people involved", MaxPeople)
	case len(d.Parties) < MinParties:
		return anju.FieldError("parties", "a dispute has at least %d parties", MinParties)
	case len(d.Parties) > MaxParties:
		return anju.FieldError("parties", "more than %d parties", MaxParties)
	}
	sides := map[PartyRole]bool{}
	for i := range d.Parties {
		if err := d.Parties[i].validate("parties[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
		sides[d.Parties[i].Role] = true
	}
	if !sides[Applicant] || !sides[Respondent] {
		return anju.FieldError("parties", "a dispute has an applicant and a respondent")
	}
	return nil
}

func (p *Party) validate(field string) error {
	p.Name = anju.CleanText(p.Name)
	switch {
	case p.Kind != Person && p.Kind != Organisation:
		return anju.FieldError(field+".kind", "a party is a person or an organisation, not %q", p.Kind)
	case p.Role != Applicant && p.Role != Respondent:
		return anju.FieldError(field+".role", "a party is the applicant or the respondent, not %q", p.Role)
	case anju.Blank(p.Name):
		return anju.FieldError(field+".name", "name the party")
	case p.Kind == Organisation && utf8.RuneCountInString(p.Name) > MaxOrgName:
		return anju.FieldError(field+".name", "name is longer than %d characters", MaxOrgName)
	}
	d := p.Personal()
	if p.Kind == Organisation {
		d.Name = "" // bounded above; an organisation's name is not a person's
	}
	return d.ValidateAs(field)
}

// typeNames are the types' names as the platform writes them into case
// histories and warning titles, which are Chinese like every stored note.
var typeNames = map[Type]string{
	TypeNeighbour: "邻里纠纷", TypeFamily: "婚姻家庭纠纷", TypePropertyManagement: "物业纠纷",
	TypeLandlordTenant: "房屋租赁纠纷", TypeLabour: "劳动与欠薪纠纷", TypeLandHousing: "土地与房屋纠纷",
	TypeConsumer: "消费纠纷", TypeMedical: "医疗纠纷", TypeTraffic: "交通事故纠纷", TypeOther: "其他纠纷",
}

// Name is the type's Chinese name.
func (t Type) Name() string { return typeNames[t] }
