package web

import (
	"net/url"
	"slices"
	"strconv"

	"anju/internal/cases"
	"anju/internal/photo"
	"anju/internal/store"
)

// The case page's action forms are generated from the workflow table: one
// form per action the store says the reader may take now (AllowedActions),
// with the inputs the action's rule Requires and those it takes when given
// (cases.OptionalInputs), each drawn by the template of its kind.

// actionForm is one action's form.
type actionForm struct {
	Action    cases.Action
	ID        string // the form element's id, "act-dispatch"
	URL       string
	Multipart bool // it takes photos
	Open      bool // shown unfolded: the action just refused
	Error     string
	Inputs    []formInput
	// Label and Hint say a petition step's form, which is no case action.
	Label, Hint string
}

// formInput is one field of an action form.
type formInput struct {
	Name     string // as the API names it: reason, department, days…
	ID       string
	Kind     string // textarea, text, select, number, file
	Label    string
	Hint     string
	Optional string // the word said after the label of an optional field
	Choose   string // the empty choice of a select
	Required bool
	Value    string
	Options  []option
	Groups   []optionGroup // a select's options under headings, after Options
	Error    string
	Min, Max int
}

type option struct{ Value, Label string }

type optionGroup struct {
	Label   string
	Options []option
}

// Kinds of input, one template each (templates/work/case.html).
const (
	inputTextarea = "textarea"
	inputText     = "text"
	inputSelect   = "select"
	inputNumber   = "number"
	inputFile     = "file"
)

// maxTextInput bounds a free-text field as the store does (5,000 characters).
const maxTextInput = 5000

// maxExtensionDays bounds the days field of an extension request on the
// form; the store applies the petition regulation's own limit.
const maxExtensionDays = 365

// actionForms builds the forms of case c for the reader: departments are
// those that serve its place; failure, when set, is the action just refused,
// whose form keeps what was typed and says what was wrong.
func actionForms(v *View, c store.Case, departments []store.Department, failure *actionFailure) []actionForm {
	forms := make([]actionForm, 0, len(c.AllowedActions))
	for _, a := range c.AllowedActions {
		rule, ok := cases.RuleFor(c.State, a)
		if !ok {
			continue
		}
		f := actionForm{Action: a, ID: "act-" + string(a), URL: caseURL(c.ID) + "/actions/" + string(a),
			Multipart: store.TakesPhotos(a)}
		var values url.Values
		if failure != nil && failure.Action == a {
			f.Open, f.Error, values = true, failure.Message, failure.Values
		}
		names := append(slices.Clone(rule.Requires), cases.OptionalInputs(a)...)
		for _, name := range names {
			in := newInput(v, a, name, departments)
			in.Required = slices.Contains(rule.Requires, name)
			if !in.Required {
				in.Optional = v.T("form.optional")
			}
			in.Value = values.Get(name)
			if failure != nil && failure.Action == a && failure.Field == name {
				in.Error = failure.FieldMessage
			}
			f.Inputs = append(f.Inputs, in)
		}
		if f.Multipart {
			in := newInput(v, a, photo.Field, nil)
			in.Optional = v.T("form.optional")
			if failure != nil && failure.Action == a && failure.Field == photo.Field {
				in.Error = failure.FieldMessage
			}
			f.Inputs = append(f.Inputs, in)
		}
		forms = append(forms, f)
	}
	return forms
}

// newInput is the field name of action a's form, with its kind and choices.
func newInput(v *View, a cases.Action, name string, departments []store.Department) formInput {
	in := formInput{Name: name, ID: string(a) + "-" + name, Kind: inputTextarea, Label: v.T("case.input." + name),
		Choose: v.T("case.choose")}
	switch name {
	case "who_is":
		in.Kind = inputText
		in.Hint = v.T("case.hint.who_is")
	case "reason":
		if a == cases.ActionClose {
			in.Hint = v.T("case.hint.close_reason")
		}
	case "department":
		in.Kind = inputSelect
		for _, g := range departmentsByType(v, departments) {
			og := optionGroup{Label: g.Label}
			for _, d := range g.Departments {
				og.Options = append(og.Options, option{d.Code, d.Name})
			}
			in.Groups = append(in.Groups, og)
		}
	case "method":
		in.Kind, in.Options = inputSelect, choices(v, "case.method.", cases.VerifyMethods)
	case "outcome":
		in.Kind, in.Options = inputSelect, choices(v, "case.outcome.", cases.Outcomes)
	case "rating":
		in.Kind, in.Options = inputSelect, choices(v, "case.rating.", cases.Ratings)
	case "card":
		in.Kind, in.Options = inputSelect, choices(v, "case.card.", cases.Cards)
	case "days":
		in.Kind, in.Min, in.Max = inputNumber, 1, maxExtensionDays
	case "target":
		in.Kind, in.Min = inputNumber, 1
		in.Hint = v.T("case.hint.target")
	case photo.Field:
		in.Kind = inputFile
		in.Hint = v.T("case.hint.photos", photo.MaxPerSubmission, photo.MaxBytes>>20)
	}
	return in
}

// choices are the options of a select among values, each said by its key
// under prefix.
func choices[T ~string](v *View, prefix string, values []T) []option {
	out := make([]option, len(values))
	for i, x := range values {
		out[i] = option{string(x), v.T(prefix + string(x))}
	}
	return out
}

func caseURL(id int64) string { return "/work/cases/" + strconv.FormatInt(id, 10) }
