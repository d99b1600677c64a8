package textai

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// simCase is one hand-written report of the duplicate test set. Reports
// with the same group describe the same problem at the same place; every
// other pair is a negative. dx, dy are metres east and north of the group's
// site and h the hours after the group's first report.
type simCase struct {
	group  string
	site   int // index into the test sites, ~3 km apart
	dx, dy float64
	h      float64
	title  string
	text   string
}

// simCases: 30 groups of two or three reports of one problem by different
// people in their own words, and hard negatives: the same kind of problem
// with the same words at another site (group suffix "far"), and another
// problem at the same site (suffix "other").
var simCases = []simCase{
	{"light1", 0, 0, 0, 0, "幸福家园小区3栋门口路灯不亮", "幸福家园小区3栋门口的路灯已经坏了一个多星期，晚上黑漆漆的，老人出门很不安全，请尽快维修。"},
	{"light1", 0, 40, 20, 20, "小区路灯坏了晚上看不见路", "我住幸福家园，3栋楼下那盏路灯一到晚上就不亮，走路差点摔跤，希望物业或者城管来修一下路灯。"},
	{"light1", 0, -30, 10, 50, "幸福家园路灯损坏无人维修", "幸福家园小区内3栋附近路灯不亮好多天了，反映给物业也没人管。"},
	{"noise1", 1, 0, 0, 0, "中建工地夜间施工噪音扰民", "滨江路中建工地每天晚上十一点以后还在施工，打桩声音特别大，噪音吵得孩子睡不着觉，请环保部门查处。"},
	{"noise1", 1, 150, -80, 6, "晚上工地打桩太吵了", "滨江路旁边的建筑工地半夜还在打桩施工，噪音很大，严重影响附近居民休息，是否办理了夜间施工许可？"},
	{"fire1", 2, 0, 0, 0, "天虹商场消防通道被堵塞", "天虹商场后门的消防通道堆满了纸箱和货物，还停了几辆电动车，一旦发生火灾后果不堪设想。"},
	{"fire1", 2, 30, 30, 30, "商场后面消防通道堆放杂物", "天虹商场后面那条消防通道被杂物和货物堵死了，安全出口也锁着，存在严重消防隐患，请消防部门检查。"},
	{"water1", 3, 0, 0, 0, "金桂苑停水三天没有通知", "金桂苑小区从周一开始停水，到现在三天了也没有任何通知，居民生活用水困难，请自来水公司尽快恢复供水。"},
	{"water1", 3, 80, 60, 10, "小区连续停水影响生活", "我们金桂苑已经停水好几天了，没有提前通知，做饭洗澡都成问题，什么时候能恢复供水？"},
	{"trash1", 4, 0, 0, 0, "菜市场门口垃圾堆积发臭", "东门菜市场门口的垃圾好几天没人清运，堆成小山，天热发臭，苍蝇蚊子很多。"},
	{"trash1", 4, 50, -40, 24, "东门菜市场垃圾无人清运", "东门菜市场旁垃圾站的垃圾没有及时清运，臭气熏天，路过都要捂鼻子，请环卫部门处理。"},
	{"smoke1", 5, 0, 0, 0, "楼下烧烤店油烟扰民", "锦绣华庭1栋楼下新开的烧烤店，每天晚上油烟直接往楼上排，窗户都不敢开，还营业到凌晨很吵。"},
	{"smoke1", 5, 20, 10, 48, "烧烤店油烟噪音严重影响居民", "锦绣华庭底商烧烤店没有安装油烟净化设备，油烟熏人，晚上顾客喧哗到凌晨两三点，请相关部门管管。"},
	{"pothole1", 6, 0, 0, 0, "人民路坑洼积水", "人民路与解放路交叉口附近路面有一个大坑，下雨积水看不见，已经有电动车摔倒了。"},
	{"pothole1", 6, 60, 20, 30, "人民路路面破损出现大坑", "人民路靠近解放路口的地方路面塌陷形成大坑，一下雨就积水，非机动车经过很危险，请尽快修补。"},
	{"parking1", 7, 0, 0, 0, "学校门口车辆乱停堵塞交通", "实验小学门口每天放学时家长车辆乱停乱放，把路堵死了，孩子过马路很危险。"},
	{"parking1", 7, 40, 30, 72, "实验小学放学时段违停严重", "实验小学门口接送孩子的车辆随意停放，占用车道，造成交通拥堵，希望交警加强管理。"},
	{"elevator1", 8, 0, 0, 0, "电梯经常故障困人", "碧桂园二期5栋电梯这个月已经坏了三次，上周还困了人，物业只是简单修一下。"},
	{"elevator1", 8, 10, 10, 96, "5栋电梯频繁出故障", "碧桂园二期5栋的电梯老是出故障，前几天又把人困在里面了，请质监部门检查电梯安全。"},
	{"dog1", 9, 0, 0, 0, "小区遛狗不牵绳", "阳光花园小区很多人遛狗不牵绳，大狗追着小孩跑，狗粪到处都是。"},
	{"dog1", 9, 70, 50, 12, "阳光花园狗不拴绳吓到孩子", "阳光花园里养狗的人遛狗不拴狗绳，孩子被大狗追吓哭了，草地上狗屎也没人清理。"},
	{"sewage1", 10, 0, 0, 0, "下水道堵塞污水外溢", "桃源村村口下水道堵塞，污水漫到路上，臭气熏天，村民出行困难。"},
	{"sewage1", 10, 90, 40, 20, "桃源村污水横流", "桃源村村口一带下水道堵了，污水溢出来流得满路都是，很臭，请尽快疏通下水道。"},
	{"bus1", 11, 0, 0, 0, "公交站台被拆除后没有恢复", "长青路公交站台去年修路时拆了，到现在也没有恢复，乘客只能站在路边等车，下雨没地方躲。"},
	{"bus1", 11, 120, 0, 200, "长青路公交站台什么时候重建", "长青路上的公交站台拆除后一直没有重建，等车的人只能在马路边淋雨，希望尽快恢复公交站台。"},
	{"tree1", 12, 0, 0, 0, "大树倒伏压住围墙", "昨晚大风把和平里小区门口的大树刮倒了，压在围墙上，随时可能倒下来砸到人。"},
	{"tree1", 12, 25, 25, 5, "小区门口树木倒伏存在危险", "和平里小区门口一棵大树被大风吹倒，斜靠在围墙上，行人经过很危险，请园林部门处理倒伏的树。"},
	{"leak1", 13, 0, 0, 0, "楼上漏水物业不管", "翠湖湾8栋楼顶防水层破了，一下雨顶楼就漏水，墙面发霉，找物业多次不处理。"},
	{"leak1", 13, 15, 5, 100, "顶楼漏水严重", "翠湖湾8栋顶楼每逢下雨就漏水，屋顶防水坏了，墙都发霉了，物业推来推去不维修。"},
	{"square1", 14, 0, 0, 0, "广场舞音响声音太大", "中心广场每晚跳广场舞音响开得特别大声，一直到十点，附近居民没法休息。"},
	{"square1", 14, 100, 100, 24, "中心广场跳舞噪音扰民", "中心广场上跳广场舞的音响声音太响了，晚上吵得住在旁边的居民睡不着，请城管管理一下音量。"},
	{"heat1", 15, 0, 0, 0, "暖气不热", "华润城小区今年供暖后暖气片一直是凉的，室内温度只有十几度，热力公司说正常。"},
	{"heat1", 15, 60, 40, 36, "供暖温度不达标", "华润城供暖开始以后家里暖气不热，室温才十四五度，老人孩子冻得感冒了，请热力公司检查。"},
	{"stall1", 16, 0, 0, 0, "占道经营摆摊", "健康路夜市小摊贩占道摆摊，把人行道和一半车道都占了，车辆通行困难，还留下满地垃圾。"},
	{"stall1", 16, 80, 20, 48, "健康路小摊贩占用道路", "健康路每天晚上摊贩占道经营，人行道被占满，行人只能走机动车道，太危险了，请城管整治。"},
	{"wire1", 17, 0, 0, 0, "电线私拉乱接给电动车充电", "红星村3组有人从楼上私拉电线给电动车充电，电线垂到地面，下雨容易漏电。"},
	{"wire1", 17, 30, 40, 10, "飞线充电存在火灾隐患", "红星村3组楼道里飞线给电动车充电的现象很严重，电线乱拉，容易起火，请有关部门查处私拉电线。"},
	{"cover1", 18, 0, 0, 0, "井盖丢失", "建设路农业银行门口的井盖不见了，留下一个大洞，晚上很容易有人掉下去。"},
	{"cover1", 18, 20, 0, 3, "路边井盖缺失有安全隐患", "建设路农行门口人行道上的井盖被偷了，只有一个洞没有任何警示，请尽快补上井盖。"},
	{"mosquito1", 19, 0, 0, 0, "绿化带积水蚊虫多", "丽景苑小区绿化带里长期积水，蚊子特别多，晚上被咬得睡不着。"},
	{"mosquito1", 19, 50, 50, 24, "小区蚊虫滋生请消杀", "丽景苑小区内绿化带积水发臭，滋生大量蚊虫，希望安排消杀灭蚊。"},
	{"crossing1", 20, 0, 0, 0, "路口红绿灯坏了", "工业大道和兴业路路口的红绿灯已经两天不亮了，车辆抢行，差点出事故。"},
	{"crossing1", 20, 40, 0, 8, "兴业路口信号灯不工作", "工业大道兴业路口的信号灯坏了，红绿灯不亮，交通很乱，请交警部门尽快维修信号灯。"},
	{"kitchen1", 21, 0, 0, 0, "学校食堂饭菜卫生问题", "育才中学食堂的饭菜里经常吃出头发和虫子，孩子回家说拉肚子，请市场监管部门检查食堂卫生。"},
	{"kitchen1", 21, 30, 10, 30, "育才中学食堂卫生差", "育才中学学生食堂卫生条件很差，饭菜里有虫子，好几个学生吃了拉肚子，请相关部门检查食堂。"},
	{"fence1", 22, 0, 0, 0, "河边护栏损坏", "滨河公园沿河步道的护栏断了一大段，小孩在边上玩很危险，容易掉进河里。"},
	{"fence1", 22, 60, -20, 20, "滨河公园护栏断裂有落水危险", "滨河公园河边的护栏有一段断裂了，没有任何警示标志，孩子靠近河边容易落水，请尽快修复护栏。"},
	{"dust1", 23, 0, 0, 0, "渣土车沿路撒漏扬尘严重", "东环路上渣土车没有覆盖，一路撒漏泥土，车一过尘土飞扬，路边店铺全是灰。"},
	{"dust1", 23, 200, 100, 24, "东环路渣土车扬尘", "东环路渣土车不盖篷布，泥土撒得满路都是，扬尘严重，行人睁不开眼，请管理渣土车。"},
	{"wifi1", 24, 0, 0, 0, "小区宽带经常断网", "龙湖春江郦城小区电信宽带这个月经常断网，报修好几次都说是线路问题，一直没修好。"},
	{"wifi1", 24, 30, 30, 50, "龙湖春江郦城宽带网络故障", "龙湖春江郦城的电信宽带老是断网，网速很慢，报修后维修人员一直不来，孩子上网课受影响。"},
	{"gas1", 25, 0, 0, 0, "楼道里有燃气味", "万科城4栋2单元楼道里这两天一直有很重的煤气味，担心燃气管道泄漏。"},
	{"gas1", 25, 5, 5, 4, "疑似燃气泄漏", "万科城4栋2单元闻到很浓的燃气味道，怀疑燃气管道漏气，请燃气公司马上来检查。"},
	{"bike1", 26, 0, 0, 0, "共享单车乱停放堵住出口", "地铁2号线五一广场站C出口堆满了共享单车，行人都出不去。"},
	{"bike1", 26, 30, 20, 12, "地铁口共享单车堆积", "五一广场地铁站C出口共享单车乱停乱放，把出口都堵住了，早高峰根本走不动。"},
	{"shop1", 27, 0, 0, 0, "KTV噪音扰民到深夜", "星光大道上的麦乐迪KTV每天营业到凌晨，音乐声和客人喊叫声很大，楼上住户没法睡觉。"},
	{"shop1", 27, 40, 0, 72, "麦乐迪KTV深夜噪音", "星光大道麦乐迪KTV半夜还在大声放音乐，喝酒的客人在门口吵闹，严重扰民，请派出所处理。"},
	{"school1", 28, 0, 0, 0, "校门口没有斑马线", "明德小学门口的马路没有斑马线也没有减速带，车开得很快，孩子上学过马路很危险。"},
	{"school1", 28, 20, 20, 100, "明德小学门口需要施划斑马线", "建议在明德小学门口施划斑马线，安装减速带，车辆速度太快，学生过马路有安全隐患。"},
	{"lift2", 29, 0, 0, 0, "老旧小区加装电梯进度慢", "建材新村申请加装电梯一年多了，手续一直办不下来，老人爬楼太辛苦。"},
	{"lift2", 29, 10, 30, 300, "建材新村加装电梯审批太慢", "建材新村老旧小区加装电梯审批流程太长，一年多了还没批下来，住在高层的老人上下楼很困难。"},

	// Hard negatives: the same words at another site.
	{"light1far", 30, 0, 0, 10, "锦江花园3栋门口路灯不亮", "锦江花园小区3栋门口的路灯已经坏了一个多星期，晚上黑漆漆的，老人出门很不安全，请尽快维修。"},
	{"noise1far", 31, 0, 0, 4, "万达工地夜间施工噪音扰民", "湘江路万达工地每天晚上十一点以后还在施工，打桩声音特别大，噪音吵得孩子睡不着觉。"},
	{"fire1far", 32, 0, 0, 20, "步步高超市消防通道堵塞", "步步高超市后门的消防通道堆满了纸箱和货物，一旦发生火灾后果不堪设想。"},
	{"trash1far", 33, 0, 0, 30, "西门菜市场门口垃圾堆积发臭", "西门菜市场门口的垃圾好几天没人清运，堆成小山，天热发臭。"},
	{"smoke1far", 34, 0, 0, 50, "楼下烧烤店油烟扰民", "金色家园2栋楼下的烧烤店每天晚上油烟往楼上排，窗户都不敢开，还营业到凌晨。"},
	{"water1far", 35, 0, 0, 5, "丽都苑停水三天没有通知", "丽都苑小区从周一开始停水，到现在三天了也没有任何通知，请自来水公司尽快恢复供水。"},
	{"dog1far", 36, 0, 0, 40, "小区遛狗不牵绳", "东方明珠小区很多人遛狗不牵绳，大狗追着小孩跑。"},
	{"square1far", 37, 0, 0, 10, "广场舞音响声音太大", "体育广场每晚跳广场舞音响开得特别大声，附近居民没法休息。"},
	// Hard negatives: another problem at the same site.
	{"light1other", 0, 20, 10, 30, "幸福家园小区3栋门口垃圾桶满了没人清", "幸福家园小区3栋门口的垃圾桶好几天没人清理，垃圾满地，气味很大。"},
	{"noise1other", 1, 50, 0, 10, "中建工地渣土车撒漏", "滨江路中建工地的渣土车进出不冲洗，泥巴带得满路都是。"},
	{"fire1other", 2, 10, 0, 5, "天虹商场停车收费太贵", "天虹商场地下停车场收费太贵了，一小时十块钱，希望物价部门核查。"},
	{"smoke1other", 5, 10, 10, 20, "锦绣华庭电梯坏了", "锦绣华庭1栋电梯已经停运三天，老人上下楼很困难，物业说在等配件。"},
	{"elevator1other", 8, 0, 10, 30, "碧桂园二期5栋楼顶漏水", "碧桂园二期5栋顶楼下雨就漏水，天花板都泡坏了，请物业维修防水。"},
	{"parking1other", 7, 10, 0, 10, "实验小学食堂饭菜质量差", "实验小学食堂的饭菜分量少，质量差，孩子经常吃不饱，请教育局检查。"},
	{"tree1other", 12, 0, 20, 20, "和平里小区门口路灯不亮", "和平里小区门口的路灯坏了很久，晚上很黑，请尽快修好。"},
	{"square1other", 14, 20, 0, 24, "中心广场公共厕所脏乱", "中心广场的公共厕所很久没人打扫，臭气熏天，地上全是污水。"},
	{"gas1other", 25, 5, 0, 30, "万科城4栋2单元楼道堆放杂物", "万科城4栋2单元楼道里堆满了旧家具和纸箱，堵住了消防通道，物业不清理。"},
	{"school1other", 28, 10, 0, 12, "明德小学收费不合理", "明德小学开学要求每个学生交三百元资料费，没有任何收据，是否合规？"},
}

// simReports turns the cases into reports around a base point, sites on a
// 3 km lattice.
func simReports() []Report {
	base := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
	const lat0, lon0 = 28.15, 112.90
	out := make([]Report, len(simCases))
	for i, c := range simCases {
		siteLat := lat0 + 0.027*float64(c.site/6)
		siteLon := lon0 + 0.031*float64(c.site%6)
		out[i] = Report{
			ID: int64(i + 1), Title: c.title, Text: c.text,
			Lat:         siteLat + c.dy/111_320,
			Lon:         siteLon + c.dx/(111_320*math.Cos(siteLat*math.Pi/180)),
			HasLocation: true,
			At:          base.Add(time.Duration(c.site*7+int(c.h)) * time.Hour),
		}
	}
	return out
}

// TestDuplicatePrecisionRecall scores every pair of the hand-made set through
// a SimilarityIndex and measures precision and recall of Match.Duplicate.
func TestDuplicatePrecisionRecall(t *testing.T) {
	reports := simReports()
	ix := NewSimilarityIndex()
	for _, r := range reports {
		ix.Add(r)
	}
	same := func(i, j int) bool { return simCases[i].group == simCases[j].group }
	var tp, fp, fn, positives int
	var worstPos, bestNeg float64 = 1, 0
	for i := range reports {
		matches := ix.Query(reports[i], 10)
		found := map[int64]Match{}
		for _, m := range matches {
			found[m.ID] = m
		}
		for j := i + 1; j < len(reports); j++ {
			m, ok := found[reports[j].ID]
			if !ok {
				m = ix.Compare(reports[i], reports[j])
				m.Score = 0 // not returned by the index: not a duplicate
			}
			if same(i, j) {
				positives++
				worstPos = math.Min(worstPos, m.Score)
				if m.Duplicate() {
					tp++
				} else {
					fn++
					t.Logf("missed  %.3f (text %.3f place %.3f time %.3f): %s | %s", m.Score, m.TextScore, m.PlaceScore, m.TimeScore, simCases[i].title, simCases[j].title)
				}
				continue
			}
			bestNeg = math.Max(bestNeg, m.Score)
			if m.Duplicate() {
				fp++
				t.Logf("false   %.3f (text %.3f place %.3f time %.3f, %.0f m): %s | %s", m.Score, m.TextScore, m.PlaceScore, m.TimeScore, m.DistanceM, simCases[i].title, simCases[j].title)
			}
		}
	}
	precision := float64(tp) / math.Max(1, float64(tp+fp))
	recall := float64(tp) / float64(positives)
	t.Logf("duplicates: %d reports, %d positive pairs, threshold %.2f: precision %.3f recall %.3f (tp %d fp %d fn %d); lowest positive %.3f, highest negative %.3f",
		len(reports), positives, DuplicateThreshold, precision, recall, tp, fp, fn, worstPos, bestNeg)
	if precision < 0.9 || recall < 0.8 {
		t.Errorf("precision %.3f recall %.3f, want ≥ 0.9 and ≥ 0.8", precision, recall)
	}
}

func TestCompareReports(t *testing.T) {
	at := time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)
	a := Report{ID: 1, Title: "幸福家园小区路灯不亮", Text: "3栋门口路灯坏了一周", Lat: 28.1, Lon: 112.9, HasLocation: true, At: at}
	b := a
	b.ID = 2
	m := CompareReports(a, b)
	if m.ID != 2 || m.TextScore < 0.999 || m.Score < 0.999 || m.DistanceM != 0 || m.HoursApart != 0 {
		t.Errorf("identical reports: %+v", m)
	}
	b.Lat += 0.05 // 5.6 km north
	if m := CompareReports(a, b); m.Duplicate() || math.Abs(m.DistanceM-5566) > 20 {
		t.Errorf("5.6 km apart: %+v", m)
	}
	// Without coordinates the grid decides, then the place named in the text.
	a.HasLocation, b.HasLocation = false, false
	a.Grid, b.Grid = "430102001001001", "430102001001001"
	if m := CompareReports(a, b); m.PlaceScore != placeSameGrid || m.DistanceM != -1 {
		t.Errorf("same grid: %+v", m)
	}
	a.Grid, b.Grid = "", ""
	b.Title = "锦江花园小区路灯不亮"
	if m := CompareReports(a, b); m.PlaceScore != placeOtherName || m.Duplicate() {
		t.Errorf("other estate by name: %+v", m)
	}
	b.Title, b.Text = "", "无关内容"
	if m := CompareReports(a, b); m.PlaceScore != placeUnknown {
		t.Errorf("unknown place: %+v", m)
	}
	// Time lowers the score but cannot veto.
	b = a
	b.At = at.Add(14 * 24 * time.Hour)
	if m := CompareReports(a, b); math.Abs(m.TimeScore-math.Exp(-1)) > 1e-9 || !m.Duplicate() {
		t.Errorf("two weeks apart: %+v", m)
	}
}

func TestSimilarityIndexRemove(t *testing.T) {
	ix := NewSimilarityIndex()
	rs := simReports()
	for _, r := range rs[:3] {
		ix.Add(r)
	}
	ix.Add(rs[0]) // replaces
	if ix.Len() != 3 {
		t.Fatalf("Len = %d", ix.Len())
	}
	if !ix.Remove(rs[1].ID) || ix.Remove(rs[1].ID) {
		t.Fatal("Remove")
	}
	for _, m := range ix.Query(rs[0], 5) {
		if m.ID == rs[1].ID || m.ID == rs[0].ID {
			t.Errorf("query returned %d", m.ID)
		}
	}
	if got := ix.Query(rs[0], 5); len(got) != 1 || got[0].ID != rs[2].ID || !got[0].Duplicate() {
		t.Errorf("query = %+v", got)
	}
}

// syntheticReports makes n short reports: a random place from places
// estates, a random problem from the templates below, random noise words,
// coordinates around the place and times over a month.
func syntheticReports(n, places int, seed uint64) []Report {
	rng := rand.New(rand.NewPCG(seed, 1))
	names := syntheticPlaces(places, rng)
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Report, n)
	for i := range out {
		p := rng.IntN(len(names))
		prob := syntheticProblem(rng)
		out[i] = Report{
			ID: int64(i + 1), Title: names[p] + prob.title, Text: names[p] + prob.text + syntheticNoise(rng),
			Lat: 28.0 + float64(p%100)*0.01 + rng.Float64()*0.002, Lon: 112.8 + float64(p/100)*0.01 + rng.Float64()*0.002,
			HasLocation: true, At: base.Add(time.Duration(rng.IntN(30*24*3600)) * time.Second),
		}
	}
	return out
}

func BenchmarkSimilarityQuery(b *testing.B) {
	n := benchSize(b, "ANJU_BENCH_SIMILAR", 100_000)
	rs := syntheticReports(n, 3000, 1)
	ix := NewSimilarityIndex()
	start := time.Now()
	for _, r := range rs {
		ix.Add(r)
	}
	b.Logf("indexed %d reports in %v", n, time.Since(start))
	qs := syntheticReports(1000, 3000, 2)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Query(qs[i%len(qs)], 5)
	}
	b.ReportMetric(float64(n), "reports")
}

func TestSimilarityQueryMatchesBruteForce(t *testing.T) {
	rs := syntheticReports(1500, 200, 3)
	ix := NewSimilarityIndex()
	for _, r := range rs {
		ix.Add(r)
	}
	misses := 0
	for _, q := range syntheticReports(30, 200, 4) {
		q.ID = -q.ID
		got := ix.Query(q, 1)
		var best Match
		for _, r := range rs {
			if m := ix.Compare(q, r); m.Score > best.Score {
				best = m
			}
		}
		if len(got) == 0 || got[0].Score < best.Score-1e-9 {
			misses++
		}
	}
	// The index skips very common bigrams; it may rarely miss the very best.
	if misses > 1 {
		t.Errorf("index missed the best match for %d of 30 queries", misses)
	}
}

// TestSimilaritySquares checks the squares the posting lists are kept in:
// two reports a few dozen metres apart on either side of a square's edge
// find each other, a report without a place is found from one with a place
// and the other way round, and the same words 20 km away are not proposed.
func TestSimilaritySquares(t *testing.T) {
	const lat = 30.0
	// The longitude of a square's western edge near 120°E.
	mPerDeg := 111195 * math.Cos(lat*math.Pi/180)
	edge := (math.Floor(120.0*mPerDeg/cellM) + 1) * cellM / mPerDeg
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	light := func(id int64, lon float64, placed bool) Report {
		return Report{ID: id, Title: "幸福家园小区3栋门口路灯不亮", Text: "幸福家园小区3栋门口的路灯已经坏了一个多星期，晚上很黑，请尽快维修。",
			Lat: lat, Lon: lon, HasLocation: placed, At: at.Add(time.Duration(id) * time.Hour)}
	}
	west, east := light(1, edge-0.0003, true), light(2, edge+0.0003, true)
	if c1, c2 := cellOf(&simDoc{lat: west.Lat, lon: west.Lon, hasLoc: true}), cellOf(&simDoc{lat: east.Lat, lon: east.Lon, hasLoc: true}); c1 == c2 {
		t.Fatalf("the two reports are in one square %v; the test needs them on either side of an edge", c1)
	}
	far := light(3, edge+20000/mPerDeg, true)
	ix := NewSimilarityIndex()
	ix.Add(west)
	ix.Add(far)
	if got := ix.Query(east, 5); len(got) != 1 || got[0].ID != west.ID || !got[0].Duplicate() {
		t.Fatalf("across the edge: %+v", got)
	}
	unplaced := light(4, 0, false)
	ix.Add(unplaced)
	found := map[int64]bool{}
	for _, m := range ix.Query(east, 5) {
		found[m.ID] = true
	}
	if !found[unplaced.ID] || found[far.ID] {
		t.Fatalf("from a placed report: %v, want the unplaced one and not the far one", found)
	}
	found = map[int64]bool{}
	for _, m := range ix.Query(light(5, 0, false), 5) {
		found[m.ID] = true
	}
	if !found[west.ID] || !found[unplaced.ID] {
		t.Fatalf("from an unplaced report: %v, want reports with and without a place", found)
	}
}
