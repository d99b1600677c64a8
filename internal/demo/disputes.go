package demo

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/dispute"
	"anju/internal/store"
)

// The demo's disputes (矛盾纠纷): taken in by the street's people's
// mediation committee (most by its mediator, the rest from the hotline
// through the dispatchers), mediated in one to three sessions, ending in an
// agreement signed by the parties, whose follow-up visit a month later
// finds it kept (案结事了) or broken (mediated again), or in a referral to
// another channel, whose result is recorded for most. A few large ones
// (many people, or a large sum) are still open at the end of the history
// and raise the early warning.

// disputeScene is a kind of quarrel the demo draws a dispute from.
type disputeScene struct {
	typ      dispute.Type
	category string
	title    string
	text     string // %s is the place
	// orgs, when set, are the respondent organisations to draw from;
	// otherwise the respondent is a person.
	orgs     []string
	amount   [2]float64 // yuan at stake, a range
	terms    []string
	referral []dispute.Channel
}

var disputeScenes = []disputeScene{
	{dispute.TypeNeighbour, "1101", "楼上夜间噪声扰民", "%s楼上住户长期深夜走动、拖拽家具，多次上门沟通无果，双方发生口角。", nil, [2]float64{0, 0},
		[]string{"被申请人承诺晚十点后不再拖拽家具，并在客厅铺设地毯；双方互相谅解，今后有事先由楼道长协调。"},
		[]dispute.Channel{dispute.ChannelLitigation}},
	{dispute.TypeNeighbour, "1102", "楼上漏水致楼下天花板受损", "%s楼上卫生间防水层破损，连续渗水导致楼下天花板发霉脱落，双方就维修和赔偿协商不成。", nil, [2]float64{800, 9000},
		[]string{"被申请人于十五日内请专业人员修复卫生间防水，并一次性赔偿申请人装修损失%s元。"},
		[]dispute.Channel{dispute.ChannelLitigation, dispute.ChannelJudicialConfirmation}},
	{dispute.TypeNeighbour, "1111", "装修施工损坏邻居墙体", "%s邻居装修拆改墙体，造成相邻住户墙面开裂，双方对责任认定有分歧。", nil, [2]float64{2000, 20000},
		[]string{"被申请人负责修复开裂墙面并承担费用%s元，装修期间严格遵守施工时间规定。"},
		[]dispute.Channel{dispute.ChannelLitigation}},
	{dispute.TypeNeighbour, "1105", "宠物狗咬伤邻居", "%s住户饲养的犬只未拴绳，咬伤同楼邻居，双方就医药费赔偿发生争执。", nil, [2]float64{500, 6000},
		[]string{"被申请人赔偿申请人医药费、误工费共计%s元，今后遛狗一律牵绳并及时办理犬证。"},
		[]dispute.Channel{dispute.ChannelLitigation}},
	{dispute.TypeNeighbour, "1104", "楼道堆物占用公共空间", "%s住户在楼道长期堆放杂物和旧家具，邻居多次劝说未果，双方矛盾激化。", nil, [2]float64{0, 0},
		[]string{"被申请人于三日内清理楼道杂物，今后不在公共区域堆放物品；申请人不再追究。"},
		[]dispute.Channel{dispute.ChannelAdministrativeMediation}},
	{dispute.TypeFamily, "1106", "赡养老人费用分担纠纷", "%s一位老人的三名子女就赡养费用和轮流照料安排长期争执，老人生活无人照应。", nil, [2]float64{0, 0},
		[]string{"三名子女每人每月支付赡养费800元，按季度轮流照料老人起居，医疗费用按比例分担。"},
		[]dispute.Channel{dispute.ChannelLitigation}},
	{dispute.TypeFamily, "1106", "离婚后子女探视纠纷", "%s一对离异夫妻就孩子探视时间和方式多次发生冲突。", nil, [2]float64{0, 0},
		[]string{"非抚养方每月第一、三周周末可接孩子探视，双方不在孩子面前争吵，探视安排提前两天告知。"},
		[]dispute.Channel{dispute.ChannelLitigation}},
	{dispute.TypePropertyManagement, "1108", "物业费拖欠与服务质量争议", "%s业主以电梯经常故障、绿化无人维护为由拒交物业费，物业公司催缴未果。",
		[]string{"安居物业服务有限公司", "绿城物业服务有限公司", "万家物业管理有限公司", "宜居物业服务有限公司"}, [2]float64{1500, 8000},
		[]string{"物业公司于一个月内完成电梯维保整改并公示维保记录，业主补缴物业费%s元，滞纳金予以减免。"},
		[]dispute.Channel{dispute.ChannelLitigation, dispute.ChannelAdministrativeMediation}},
	{dispute.TypePropertyManagement, "1108", "小区停车收费争议", "%s物业公司上调地面停车费，部分业主认为未经业主大会表决，拒绝缴费并阻拦道闸。",
		[]string{"安居物业服务有限公司", "宜居物业服务有限公司", "和美物业管理有限公司"}, [2]float64{0, 3000},
		[]string{"停车收费标准暂按原标准执行，由业主委员会组织业主表决后再行调整；业主恢复正常缴费。"},
		[]dispute.Channel{dispute.ChannelAdministrativeMediation}},
	{dispute.TypeLandlordTenant, "1107", "房东扣押租房押金", "%s租客提前一个月告知退租，房东以墙面污损为由拒绝退还押金。", nil, [2]float64{1500, 6000},
		[]string{"房东退还押金%s元中的八成，其余用于墙面修补；双方就租赁合同再无其他争议。"},
		[]dispute.Channel{dispute.ChannelLitigation}},
	{dispute.TypeLandlordTenant, "1107", "群租房退租纠纷", "%s二房东违规分隔群租，被要求整改后租客被迫搬离，双方就租金和押金返还发生纠纷。",
		[]string{"安家房屋租赁有限公司", "乐居公寓管理有限公司"}, [2]float64{3000, 30000},
		[]string{"租赁公司退还租客剩余租金及押金共计%s元，于十日内付清。"},
		[]dispute.Channel{dispute.ChannelLitigation, dispute.ChannelArbitration}},
	{dispute.TypeLabour, "1110", "装修工人工资拖欠", "%s装修队完工后包工头拖欠工人工资，工人多次讨要未果。",
		[]string{"安居建筑劳务有限公司", "恒达装饰工程有限公司", "宏远建设劳务有限公司"}, [2]float64{8000, 60000},
		[]string{"被申请人于二十日内分两期支付拖欠工资%s元，逾期未付按日加付违约金。"},
		[]dispute.Channel{dispute.ChannelArbitration, dispute.ChannelLitigation}},
	{dispute.TypeLabour, "1110", "餐饮店辞退员工补偿争议", "%s餐饮店未提前通知即辞退员工，员工要求支付经济补偿。",
		[]string{"味美餐饮管理有限公司", "好食光餐饮有限公司"}, [2]float64{3000, 15000},
		[]string{"用人单位支付经济补偿%s元，并为员工出具离职证明。"},
		[]dispute.Channel{dispute.ChannelArbitration}},
	{dispute.TypeLandHousing, "1109", "宅基地界址争议", "%s两户村民因宅基地界址和围墙修建位置发生争执，险些引发肢体冲突。", nil, [2]float64{0, 0},
		[]string{"以镇国土所重新测量的界址为准，围墙后退三十公分重建，费用双方各半承担。"},
		[]dispute.Channel{dispute.ChannelAdministrativeMediation, dispute.ChannelAdministrativeReview}},
}

// largeScenes are the disputes of many people or a large sum.
var largeScenes = []disputeScene{
	{dispute.TypeLabour, "1110", "工地农民工集体讨薪", "%s在建项目总包单位拖欠分包工程款，三十余名农民工工资被拖欠近半年，工人聚集讨薪。",
		[]string{"宏远建设集团有限公司", "恒达建筑工程有限公司"}, [2]float64{300000, 1200000},
		[]string{"总包单位先行垫付农民工工资%s元，由区人社局监督发放到人。"},
		[]dispute.Channel{dispute.ChannelArbitration, dispute.ChannelPetition}},
	{dispute.TypePropertyManagement, "1108", "小区业主集体反对物业弃管", "%s物业公司以收费率低为由单方撤场，全小区四十余户业主生活垃圾无人清运、电梯停运。",
		[]string{"安居物业服务有限公司", "和美物业管理有限公司"}, [2]float64{0, 200000},
		[]string{"街道临时接管小区物业服务，原物业公司移交维修资金%s元及全部资料。"},
		[]dispute.Channel{dispute.ChannelAdministrativeMediation}},
}

var referralResults = map[dispute.Channel][]string{
	dispute.ChannelLitigation:              {"区人民法院已作出一审判决，支持申请人部分诉讼请求", "经法院主持调解，双方达成调解协议并已履行"},
	dispute.ChannelJudicialConfirmation:    {"区人民法院已裁定确认调解协议有效"},
	dispute.ChannelArbitration:             {"区劳动人事争议仲裁委员会已作出裁决，支持申请人的仲裁请求", "经仲裁庭调解，双方达成和解，款项已支付"},
	dispute.ChannelAdministrativeMediation: {"经主管部门行政调解，双方达成一致", "主管部门已作出处理决定，双方均表示接受"},
	dispute.ChannelAdministrativeReview:    {"复议机关维持原处理决定"},
	dispute.ChannelPetition:                {"信访部门已出具处理意见，申请人表示接受"},
}

var brokenNotes = []string{"被申请人未按约定期限支付款项，申请人再次来访", "回访发现问题再次出现，双方又起争执", "约定的维修未完成，申请人不认可协议履行情况"}

// mediatorNames are the names of the mediators of a street's committee
// who hold its sessions: two people per street, drawn the first time the
// street mediates.
func (k *kindsWorld) mediatorNames(rng *rand.Rand, street string) []string {
	names, ok := k.mediators[street]
	if !ok {
		names = []string{personName(rng), personName(rng)}
		k.mediators[street] = names
	}
	if rng.Intn(3) == 0 {
		return names
	}
	return names[:1]
}

// disputeFate is how a demo dispute is to end, if its history runs long
// enough.
type disputeFate struct {
	agree, broken, result bool
	large                 bool
}

// fillDisputes files the demo's disputes.
func fillDisputes(ctx context.Context, k *kindsWorld, n int, seed int64) error {
	rng := rand.New(rand.NewSource(seed + 11))
	first := k.now.Add(-kindsSpan)
	nLarge := max(3, n/200)
	return k.inSlices(ctx, n, func(i int) error {
		f := disputeFate{agree: rng.Float64() < 0.7, large: i%(n/nLarge) == 0 && i/(n/nLarge) < nLarge}
		f.broken = f.agree && rng.Float64() < 0.1
		f.result = !f.agree && rng.Float64() < 0.65
		at := first.Add(time.Duration(rng.Int63n(int64(kindsSpan))))
		switch {
		case f.large:
			// Large ones are recent and open: referred, the other channel's
			// result still awaited, or still being mediated.
			f.agree, f.broken, f.result = false, false, false
			at = k.now.Add(-time.Duration(20+rng.Intn(60)) * 24 * time.Hour)
		case i < 4:
			// The first four are old enough to have gone every way.
			f = disputeFate{agree: i < 2, broken: i == 1, result: i == 3}
			at = first.Add(time.Duration(rng.Intn(200)) * 24 * time.Hour)
		}
		return k.fileDispute(ctx, rng, at, f)
	})
}

func (k *kindsWorld) fileDispute(ctx context.Context, rng *rand.Rand, at time.Time, f disputeFate) error {
	scene := disputeScenes[rng.Intn(len(disputeScenes))]
	if f.large {
		scene = largeScenes[rng.Intn(len(largeScenes))]
	}
	g := k.grids[rng.Intn(len(k.grids))]
	street := g.code[:9]
	mediator := k.mediatorOf[street]
	if mediator == "" {
		return fmt.Errorf("demo: no mediator of street %s", street)
	}
	tl := k.timeline(rng, at)
	amount := scene.amount[0]
	if scene.amount[1] > scene.amount[0] {
		amount = float64(int(scene.amount[0]+rng.Float64()*(scene.amount[1]-scene.amount[0])) / 100 * 100)
	}
	people := 2
	d := dispute.Dispute{Type: scene.typ, Amount: amount}
	d.Parties = append(d.Parties, dispute.Party{Kind: dispute.Person, Role: dispute.Applicant, Name: personName(rng), Phone: mobile(rng)})
	if rng.Intn(4) == 0 && !f.large {
		d.Parties = append(d.Parties, dispute.Party{Kind: dispute.Person, Role: dispute.Applicant, Name: personName(rng), Phone: mobile(rng)})
		people++
	}
	if len(scene.orgs) > 0 {
		d.Parties = append(d.Parties, dispute.Party{Kind: dispute.Organisation, Role: dispute.Respondent, Name: scene.orgs[rng.Intn(len(scene.orgs))], Phone: mobile(rng)})
	} else {
		d.Parties = append(d.Parties, dispute.Party{Kind: dispute.Person, Role: dispute.Respondent, Name: personName(rng), Phone: mobile(rng)})
	}
	if f.large {
		people = 12 + rng.Intn(40)
	}
	d.People = people
	place := g.name
	nd := store.NewDispute{NewCase: store.NewCase{Title: scene.title, Text: fmt.Sprintf(scene.text, place), Category: scene.category, Grid: g.code},
		Dispute: d}
	// Most disputes are brought to the committee, whose mediator takes
	// them in; the rest come through the hotline and the dispatchers.
	byMediator := rng.Float64() < 0.7
	filer := mediator
	if byMediator {
		nd.Committee = committeeOf(street)
	} else {
		filer = "operator01"
	}
	a, err := k.actor(filer)
	if err != nil {
		return err
	}
	med, err := k.actor(mediator)
	if err != nil {
		return err
	}
	cd, err := k.db.CreateDispute(ctx, a, nd)
	if err != nil {
		return fmt.Errorf("demo dispute: %w", err)
	}
	id := cd.ID
	if !byMediator {
		steps := []struct {
			who    *anju.Actor
			action cases.Action
			in     cases.Input
		}{
			{k.actors["dispatcher"], cases.ActionAccept, cases.Input{}},
			{k.actors["dispatcher"], cases.ActionDispatch, cases.Input{Department: committeeOf(street)}},
			{med, cases.ActionStart, cases.Input{}},
		}
		// The steps go in one transaction, the clock set to each one's
		// time; the times are drawn first, since it may run twice.
		var when []time.Time
		for range steps {
			if !tl.after(0.05, 1) {
				break
			}
			when = append(when, tl.at)
		}
		err := k.db.InTx(ctx, func(tx *store.Tx) error {
			for i, at := range when {
				k.clock.Set(at)
				if _, err := tx.Act(ctx, steps[i].who, id, steps[i].action, store.ActionInput{Input: steps[i].in}); err != nil {
					return fmt.Errorf("demo dispute %d %s: %w", id, steps[i].action, err)
				}
			}
			return nil
		})
		if err != nil || len(when) < len(steps) {
			return err
		}
	}
	var all []int64
	for _, p := range cd.Dispute.Parties {
		all = append(all, p.ID)
	}
	mediators := k.mediatorNames(rng, street)
	var referral dispute.Channel
	// mediate holds one to three sessions and records the outcome; it
	// reports whether the history went that far.
	mediate := func(sessions int, agree bool) (bool, error) {
		for s := range sessions {
			if !tl.after(1+float64(s)*2, 10+float64(s)*5) {
				return false, nil
			}
			attended := all
			if rng.Intn(5) == 0 {
				attended = all[:len(all)-1] // the respondent stayed away
			}
			rooms := []string{k.regionNames[g.code[:12]] + "人民调解室", k.regionNames[street] + "人民调解委员会调解室", "当事人家中"}
			notes := []string{"双方陈述各自诉求，调解员释法明理，双方情绪趋于平稳。", "调解员分别做双方工作，提出初步调解方案，双方表示回去考虑。",
				"调解员组织现场查看，双方就主要事实达成共识，对金额仍有分歧。"}
			if _, err := k.db.RecordDisputeSession(ctx, med, id, dispute.Session{HeldAt: tl.at.Add(-time.Hour), Place: rooms[rng.Intn(len(rooms))],
				Mediators: mediators, Attended: attended, Notes: notes[min(s, len(notes)-1)]}); err != nil {
				return false, fmt.Errorf("demo dispute %d session: %w", id, err)
			}
		}
		if !tl.after(0.5, 7) {
			return false, nil
		}
		o := dispute.Outcome{Agreement: agree}
		if agree {
			o.Terms = scene.terms[rng.Intn(len(scene.terms))]
			if strings.Contains(o.Terms, "%s") {
				o.Terms = fmt.Sprintf(o.Terms, dispute.Yuan(int64(amount*100*(0.6+0.4*rng.Float64()))/100*100))
			}
			o.Parties = all
		} else {
			o.Referral = scene.referral[rng.Intn(len(scene.referral))]
			o.Note = "双方分歧较大，经多次调解未能达成协议，已告知当事人通过" + o.Referral.Name() + "途径解决"
			referral = o.Referral
		}
		if _, err := k.db.RecordDisputeOutcome(ctx, med, id, o); err != nil {
			return false, fmt.Errorf("demo dispute %d outcome: %w", id, err)
		}
		return true, nil
	}
	visitor, err := k.actor(gridLeaderOf(g.code[:12]))
	if err != nil {
		return err
	}
	// followUp visits when the follow-up falls due, finding the agreement
	// kept or broken.
	followUp := func(holds bool) (bool, error) {
		if !tl.after(dispute.DefaultFollowUpDays+0.5, dispute.DefaultFollowUpDays+12) {
			return false, nil
		}
		fu := dispute.FollowUp{Holds: &holds, Note: "回访双方当事人，协议已履行完毕，双方关系融洽"}
		if !holds {
			fu.Note = brokenNotes[rng.Intn(len(brokenNotes))]
		}
		if _, err := k.db.RecordFollowUp(ctx, visitor, id, fu); err != nil {
			return false, fmt.Errorf("demo dispute %d follow-up: %w", id, err)
		}
		return true, nil
	}
	if ok, err := mediate(1+rng.Intn(3), f.agree); !ok || err != nil {
		return err
	}
	if !f.agree {
		if !f.result || !tl.after(20, 120) {
			return nil
		}
		rs := referralResults[referral]
		if _, err := k.db.RecordReferralResult(ctx, k.actors["dispatcher"], id, dispute.ReferralResult{Result: rs[rng.Intn(len(rs))]}); err != nil {
			return fmt.Errorf("demo dispute %d referral result: %w", id, err)
		}
		return nil
	}
	if ok, err := followUp(!f.broken); !ok || err != nil || !f.broken {
		return err
	}
	// Broken: the committee mediates again, and this time it holds.
	if ok, err := mediate(1+rng.Intn(2), true); !ok || err != nil {
		return err
	}
	_, err = followUp(true)
	return err
}
