package demo

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/meeting"
	"anju/internal/store"
)

// The demo's reception sessions (领导干部下基层接访): a district leader or a
// street's head receives residents at a street or a community about once a
// day over the two years; the session is published days ahead, residents
// book its slots (on the portal, or by phone through an operator), it is
// held, the cases born there are filed carrying the session and its leader,
// and it is closed. The cases go through the workflow like any other. A few
// sessions were cancelled; a few are published and still ahead.

// faceMatter is what a resident raises face to face, and the case it
// becomes.
type faceMatter struct {
	topic, title, text, category string
}

var faceMatters = []faceMatter{
	{"老旧小区加装电梯", "加装电梯意见不统一", "单元内多数住户同意加装电梯，一楼住户反对，希望街道牵头协调并说明补贴政策。", "0311"},
	{"小区停车难", "小区停车位严重不足", "小区车位不足，晚上车辆停到消防通道上，希望增设停车泊位、规范停车。", "0308"},
	{"物业服务", "物业服务质量差", "物业保洁不及时、绿化无人修剪，业主意见很大，希望督促物业整改。", "0301"},
	{"房屋漏水", "顶楼房屋漏水", "顶楼屋面防水层老化，雨天家中漏水，物业推诿，希望协调维修资金维修。", "0305"},
	{"养老服务", "希望开设社区老年食堂", "社区老人多，子女上班无人做饭，希望开设老年食堂或助餐点。", "1503"},
	{"垃圾清运", "垃圾清运不及时", "小区垃圾房垃圾满溢，夏天异味严重，希望增加清运频次。", "010201"},
	{"占道经营", "菜场门口占道经营", "菜场门口流动摊贩占道经营，早高峰交通拥堵，希望加强管理。", "0104"},
	{"违法搭建", "楼顶违法搭建", "楼顶住户搭建彩钢房，存在安全隐患，希望依法处理。", "1301"},
	{"电动车充电", "楼道电动车充电隐患", "楼道内电动车飞线充电现象普遍，希望增设集中充电桩。", "1204"},
	{"低保救助", "低保申请咨询", "家中老人患病，收入低，希望了解低保申请条件和办理流程。", "1501"},
}

var leaderTitles = map[string][]string{"district": {"区委副书记", "副区长", "区委常委"}, "street": {"街道党工委书记", "街道办事处主任"}}

// fillReceptions holds the demo's reception sessions.
func fillReceptions(ctx context.Context, k *kindsWorld, n int, seed int64) error {
	rng := rand.New(rand.NewSource(seed + 13))
	first := k.now.Add(-kindsSpan)
	streets := k.streets()
	return k.inSlices(ctx, n, func(i int) error {
		var at time.Time
		upcoming := i >= n-max(1, n/33) // a few are still ahead
		if upcoming {
			at = k.now.Add(time.Duration(2+rng.Intn(12)) * 24 * time.Hour)
		} else {
			at = first.Add(time.Duration(rng.Int63n(int64(kindsSpan - 20*24*time.Hour))))
		}
		day := at.In(shanghai)
		start := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, shanghai)
		if rng.Intn(3) == 0 {
			start = start.Add(5 * time.Hour) // an afternoon session
		}
		street := streets[rng.Intn(len(streets))]
		return k.holdReception(ctx, rng, street, start, upcoming, rng.Intn(30) == 0)
	})
}

// streets lists the codes of the city's streets, in order.
func (k *kindsWorld) streets() []string {
	var out []string
	for code := range k.mediatorOf {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

func (k *kindsWorld) holdReception(ctx context.Context, rng *rand.Rand, street string, start time.Time, upcoming, cancel bool) error {
	// A district leader receives at the street; the street's head at one
	// of its communities.
	level, leader, place := "district", k.supervisorOf[street[:6]], street
	if rng.Intn(2) == 0 {
		level, leader = "street", k.dispatcherOf[street]
		place = k.communities(street)[rng.Intn(len(k.communities(street)))]
	}
	a, err := k.actor(leader)
	if err != nil {
		return err
	}
	tl := k.publishedTimeline(rng, start, 5+rng.Intn(10), upcoming)
	matters := make([]faceMatter, 0, 3)
	for _, j := range rng.Perm(len(faceMatters))[:3] {
		matters = append(matters, faceMatters[j])
	}
	topics := []string{matters[0].topic, matters[1].topic, matters[2].topic}
	s, err := k.db.CreateReception(ctx, a, meeting.Session{Leader: leader, LeaderTitle: leaderTitles[level][rng.Intn(len(leaderTitles[level]))],
		Region: place, Place: k.regionNames[place] + "党群服务中心接待室", Start: start, End: start.Add(3 * time.Hour), Topics: topics,
		SlotMinutes: 30, Capacity: 2})
	if err != nil {
		return fmt.Errorf("demo reception: %w", err)
	}
	tl.at = tl.at.Add(20 * time.Minute)
	k.clock.Set(tl.at)
	if _, err := k.db.ActOnReception(ctx, a, s.ID, meeting.SessionPublish); err != nil {
		return fmt.Errorf("demo reception %d publish: %w", s.ID, err)
	}
	if cancel {
		if tl.after(1, 3) {
			_, err = k.db.ActOnReception(ctx, a, s.ID, meeting.SessionCancel)
		}
		return err
	}
	// Residents book before the session: on the portal, or by calling
	// the hotline, whose operator books for them.
	type booked struct {
		id     int64
		matter faceMatter
		slot   time.Time
	}
	var bookings []booked
	published := tl.at
	for range 2 + rng.Intn(4) {
		at := published.Add(time.Duration(rng.Int63n(int64(start.Sub(published)))))
		if !at.Before(k.now) {
			continue
		}
		if at.Before(tl.at) {
			at = tl.at.Add(time.Minute)
		}
		tl.at = at
		k.clock.Set(at)
		m := matters[rng.Intn(len(matters))]
		booker := k.actors[fmt.Sprintf("resident%d", 1+rng.Intn(3))]
		if rng.Intn(3) == 0 {
			booker = k.actors["operator01"]
		}
		slot := rng.Intn(6)
		b, err := k.db.BookSlot(ctx, booker, s.ID, meeting.Booking{Slot: s.SlotStart(slot), Name: personName(rng), Phone: mobile(rng), Topic: m.text})
		if anju.ErrorCode(err) == anju.ECONFLICT || anju.ErrorField(err) == "slot" {
			continue // that slot is full: the resident comes another time
		}
		if err != nil {
			return fmt.Errorf("demo booking of session %d: %w", s.ID, err)
		}
		bookings = append(bookings, booked{b.ID, m, s.SlotStart(slot)})
	}
	if !start.Before(k.now) {
		return nil
	}
	tl.at = start
	k.clock.Set(start)
	if _, err := k.db.ActOnReception(ctx, a, s.ID, meeting.SessionHold); err != nil {
		return fmt.Errorf("demo reception %d hold: %w", s.ID, err)
	}
	grids := k.gridsIn(place)
	var cs []bornCase
	for _, b := range bookings {
		if rng.Intn(10) < 4 {
			continue // answered on the spot: no case
		}
		at := b.slot.Add(time.Duration(5+rng.Intn(20)) * time.Minute)
		if !at.Before(k.now) {
			break
		}
		k.clock.Set(at)
		g := grids[rng.Intn(len(grids))]
		c, err := k.db.FileSessionCase(ctx, a, s.ID, store.SessionCase{BookingID: b.id, NewCase: store.NewCase{Title: b.matter.title,
			Text: b.matter.text, Category: b.matter.category, Grid: g}})
		if err != nil {
			return fmt.Errorf("demo case of session %d: %w", s.ID, err)
		}
		cs = append(cs, bornCase{c.ID, at, g, b.matter.category})
	}
	end := start.Add(3*time.Hour + time.Duration(rng.Intn(40))*time.Minute)
	if !end.Before(k.now) {
		return nil
	}
	k.clock.Set(end)
	if _, err := k.db.ActOnReception(ctx, a, s.ID, meeting.SessionClose); err != nil {
		return fmt.Errorf("demo reception %d close: %w", s.ID, err)
	}
	return k.workBorn(ctx, rng, cs, "已按领导接访交办意见办理，并向群众当面反馈。")
}

// gridsIn lists the codes of the grids inside the region with code.
func (k *kindsWorld) gridsIn(code string) []string {
	var out []string
	for _, g := range k.grids {
		if strings.HasPrefix(g.code, code) {
			out = append(out, g.code)
		}
	}
	return out
}

// communities lists the codes of the communities of a street.
func (k *kindsWorld) communities(street string) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range k.grids {
		if c := g.code[:12]; strings.HasPrefix(c, street) && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}
