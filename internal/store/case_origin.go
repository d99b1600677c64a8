package store

import (
	"context"
	"database/sql"
	"time"

	"anju/internal/anju"
)

// Where a case born face to face was born (case_origins): at a leader's
// reception session or of a community meeting's decision.
const (
	OriginReception = "reception"
	OriginMeeting   = "meeting"
)

// CaseOrigin is where a case was born when it was born face to face, as the
// case's JSON ("origin") and page show it: the session with its leader, or
// the meeting and the decision. Cases taken in any other way have none.
type CaseOrigin struct {
	// Kind is OriginReception or OriginMeeting.
	Kind string `json:"kind"`
	// SessionID and the leader who follows the case until it is closed
	// (their login, shown to staff only, their name and title).
	SessionID   int64  `json:"session_id,omitempty"`
	Leader      string `json:"leader,omitempty"`
	LeaderName  string `json:"leader_name,omitempty"`
	LeaderTitle string `json:"leader_title,omitempty"`
	// MeetingID, its title and the decision the case carries out.
	MeetingID  int64  `json:"meeting_id,omitempty"`
	Title      string `json:"title,omitempty"`
	DecisionID int64  `json:"decision_id,omitempty"`
	Decision   string `json:"decision,omitempty"`
	// Where and when the session or meeting took place.
	Region     string    `json:"region"`
	RegionName string    `json:"region_name"`
	Place      string    `json:"place"`
	Start      time.Time `json:"start"`
}

// caseOrigin reads where case id was born; nil when it was not born face to
// face. The reader has seen the case already: what a session or meeting
// tells of itself here is what the portal publishes, bar the leader's
// login, which only staff get.
func (db *DB) caseOrigin(ctx context.Context, q querier, actor *anju.Actor, id int64, city string) (*CaseOrigin, error) {
	var session, decision, meetingID, sStart, mStart sql.NullInt64
	var leader, leaderName, leaderTitle, sPlace, sRegion, sRegionName sql.NullString
	var title, text, mPlace, mRegion, mRegionName sql.NullString
	err := q.queryRow(ctx, `SELECT o.session_id, o.leader, s.leader_name, s.leader_title, s.place, s.starts_at, s.region, sr.name,
		o.decision_id, d.text, d.meeting_id, m.title, m.place, m.starts_at, m.community, mr.name
		FROM case_origins o
		LEFT JOIN reception_sessions s ON s.id = o.session_id AND s.city = o.city LEFT JOIN regions sr ON sr.code = s.region
		LEFT JOIN meeting_decisions d ON d.id = o.decision_id AND d.city = o.city
		LEFT JOIN meetings m ON m.id = d.meeting_id AND m.city = d.city
		LEFT JOIN regions mr ON mr.code = m.community
		WHERE o.case_id = ? AND o.city = ?`, id, city).Scan(&session, &leader, &leaderName, &leaderTitle, &sPlace, &sStart, &sRegion, &sRegionName,
		&decision, &text, &meetingID, &title, &mPlace, &mStart, &mRegion, &mRegionName)
	switch {
	case err == sql.ErrNoRows:
		return nil, nil
	case err != nil:
		return nil, err
	}
	o := &CaseOrigin{}
	if session.Valid {
		o.Kind, o.SessionID, o.LeaderName, o.LeaderTitle = OriginReception, session.Int64, leaderName.String, leaderTitle.String
		o.Region, o.RegionName, o.Place, o.Start = sRegion.String, sRegionName.String, sPlace.String, fromMicros(sStart.Int64)
		if actor.System || actor.Staff() {
			o.Leader = leader.String
		}
	} else {
		o.Kind, o.MeetingID, o.Title, o.DecisionID, o.Decision = OriginMeeting, meetingID.Int64, title.String, decision.Int64, text.String
		o.Region, o.RegionName, o.Place, o.Start = mRegion.String, mRegionName.String, mPlace.String, fromMicros(mStart.Int64)
	}
	return o, nil
}
