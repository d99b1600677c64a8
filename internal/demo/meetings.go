package demo

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"anju/internal/meeting"
)

// The demo's community meetings (村民说事、民情恳谈会): a community's grid
// leader publishes a meeting with its topics a week or two ahead,
// residents propose more (some accepted onto the agenda, some declined),
// the meeting is held, its minutes recorded, and each decision becomes a
// case in the community that goes through the workflow. A few meetings
// were cancelled, a few are still ahead, and the latest may wait for
// their minutes.

var meetingTitles = []string{"民情恳谈会", "村民说事会", "居民议事会", "小区治理协商会"}

var meetingProposals = []string{"建议在小区增设充电桩，解决电动车楼道充电问题", "希望社区组织一次义诊活动", "建议规范小区内快递车辆通行",
	"希望修缮小区健身器材", "建议在主干道增设减速带", "希望社区开设四点半课堂", "建议整治小区内私种蔬菜"}

var meetingDecisions = []struct{ text, category string }{
	{"在小区东门增设电动自行车集中充电棚，由社区报街道申请资金", "1204"},
	{"清理楼道堆积杂物，由网格员牵头组织志愿者集中清理", "0108"},
	{"规范小区停车，重新施划停车位并设置消防通道标线", "0308"},
	{"督促物业修复破损路面和路灯", "0301"},
	{"组织老旧小区改造意见征集，形成改造清单报街道", "0311"},
	{"开设老年助餐点，由社区联系辖区餐饮企业合作", "1503"},
}

// fillMeetings holds the demo's community meetings.
func fillMeetings(ctx context.Context, k *kindsWorld, n int, seed int64) error {
	rng := rand.New(rand.NewSource(seed + 14))
	first := k.now.Add(-kindsSpan)
	var communities []string
	for _, s := range k.streets() {
		communities = append(communities, k.communities(s)...)
	}
	return k.inSlices(ctx, n, func(i int) error {
		var at time.Time
		upcoming := i >= n-max(1, n/33)
		if upcoming {
			at = k.now.Add(time.Duration(3+rng.Intn(10)) * 24 * time.Hour)
		} else {
			at = first.Add(time.Duration(rng.Int63n(int64(kindsSpan - 15*24*time.Hour))))
		}
		day := at.In(shanghai)
		start := time.Date(day.Year(), day.Month(), day.Day(), 19, 0, 0, 0, shanghai) // after work, when residents come
		c := communities[rng.Intn(len(communities))]
		return k.holdMeeting(ctx, rng, c, start, upcoming, rng.Intn(25) == 0)
	})
}

func (k *kindsWorld) holdMeeting(ctx context.Context, rng *rand.Rand, community string, start time.Time, upcoming, cancel bool) error {
	convener, err := k.actor(gridLeaderOf(community))
	if err != nil {
		return err
	}
	tl := k.publishedTimeline(rng, start, 7+rng.Intn(8), upcoming)
	name := k.regionNames[community]
	topics := []string{faceMatters[rng.Intn(len(faceMatters))].topic, "社区近期重点工作通报"}
	m, err := k.db.CreateMeeting(ctx, convener, meeting.Meeting{Community: community, Title: name + meetingTitles[rng.Intn(len(meetingTitles))],
		Place: name + "党群服务中心议事厅", Start: start, End: start.Add(2 * time.Hour), Topics: topics})
	if err != nil {
		return fmt.Errorf("demo meeting: %w", err)
	}
	if cancel {
		if tl.after(1, 4) && tl.at.Before(start) {
			_, err = k.db.ActOnMeeting(ctx, convener, m.ID, meeting.ActionCancel)
		}
		return err
	}
	// Residents propose topics before the meeting; the grid leader
	// moderates each a little later.
	for range rng.Intn(4) {
		if !tl.after(0.1, 2) || !tl.at.Before(start.Add(-time.Hour)) {
			break
		}
		p := meeting.Proposal{Text: meetingProposals[rng.Intn(len(meetingProposals))]}
		proposer := k.actors[fmt.Sprintf("resident%d", 1+rng.Intn(3))]
		if rng.Intn(2) == 0 {
			p.Name, p.Phone = personName(rng), mobile(rng)
		}
		if rng.Intn(3) == 0 {
			proposer = convener // written down from what a resident said
			p.Name, p.Phone = personName(rng), mobile(rng)
		}
		pr, err := k.db.ProposeTopic(ctx, proposer, m.ID, p)
		if err != nil {
			return fmt.Errorf("demo proposal to meeting %d: %w", m.ID, err)
		}
		if !tl.after(0.05, 0.5) || !tl.at.Before(start) {
			break
		}
		verdict := meeting.ProposalAccept
		if rng.Intn(5) == 0 {
			verdict = meeting.ProposalDecline
		}
		if _, err := k.db.ModerateProposal(ctx, convener, m.ID, pr.ID, verdict); err != nil {
			return fmt.Errorf("demo moderation at meeting %d: %w", m.ID, err)
		}
	}
	if !start.Before(k.now) {
		return nil
	}
	tl.at = start.Add(time.Duration(rng.Intn(10)) * time.Minute)
	k.clock.Set(tl.at)
	if _, err := k.db.ActOnMeeting(ctx, convener, m.ID, meeting.ActionHold); err != nil {
		return fmt.Errorf("demo meeting %d hold: %w", m.ID, err)
	}
	if !tl.after(0.2, 2) {
		return nil
	}
	attendees := 12 + rng.Intn(40)
	if _, err := k.db.RecordMinutes(ctx, convener, m.ID, meeting.Minutes{Attendees: attendees, Text: fmt.Sprintf(
		"%s召开%s，社区书记主持，居民代表、网格员、物业及共建单位代表共%d人参加。会议通报了社区近期重点工作，围绕%s等议题逐项协商，形成议定事项并明确责任人和完成时限。",
		name, m.Title[len(name):], attendees, topics[0])}); err != nil {
		return fmt.Errorf("demo minutes of meeting %d: %w", m.ID, err)
	}
	grids := k.gridsIn(community)
	var cs []bornCase
	for _, j := range rng.Perm(len(meetingDecisions))[:1+rng.Intn(2)] {
		d := meetingDecisions[j]
		g := grids[rng.Intn(len(grids))]
		tl.at = tl.at.Add(time.Duration(1+rng.Intn(10)) * time.Minute)
		k.clock.Set(tl.at)
		dec, err := k.db.RecordDecision(ctx, convener, m.ID, meeting.Decision{Text: d.text, Category: d.category, Grid: g})
		if err != nil {
			return fmt.Errorf("demo decision of meeting %d: %w", m.ID, err)
		}
		cs = append(cs, bornCase{dec.Case.ID, tl.at, g, d.category})
	}
	return k.workBorn(ctx, rng, cs, "议定事项已落实，并在社区公示栏公布结果。")
}
