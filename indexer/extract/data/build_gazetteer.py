"""Build `gazetteer.tsv` from the hand-checked tables in this file.

Run from the repository root whenever a table changes, then commit both:

    .venv/bin/python indexer/extract/data/build_gazetteer.py

Why a generator and not a hand-edited TSV: the derived columns (ids, the
traditional script, suffixed and short forms, the English "X City" /
"X Province" variants) must follow one rule everywhere, and a rule is easier
to review once than 700 times. The tables hold only what no rule can derive:
the English names (Shaanxi vs Shanxi, Hohhot, Urumqi, Inner Mongolia...),
old romanisations, and which names are also ordinary words.

Nothing here is imported at run time. Needs `opencc` (a runtime dependency)
and `babel` (installed with trafilatura) for CLDR's country names in
English, simplified and traditional Chinese.

Sources: the prefecture and Jiangsu county lists follow the Ministry of Civil
Affairs' divisions as republished in modood/Administrative-divisions-of-China
(333 prefecture-level divisions; Jiangsu's 95 county-level ones after the 2020
changes: Haimen became a district, Gangzha merged into Chongchuan). English
names are Hanyu Pinyin except where another form is the established one
(Hohhot, Harbin, Urumqi, Lhasa, Kashgar...), which then keeps the pinyin as
an alias.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

# The runtime's own normalisation, so that "same name" means the same here.
from indexer.extract.gazetteer import is_acronym, latin_key  # noqa: E402

OUTPUT = HERE / "gazetteer.tsv"
COLUMNS = (
    "id",
    "level",
    "parent",
    "name_en",
    "name_zh",
    "name_zh_hant",
    "aliases",
    "ambiguous",
    "code",
)


def _words(text: str) -> list[str]:
    return text.split()


LEVEL_RANK = {"country": 0, "province": 1, "prefecture": 2, "city": 2, "county": 3}

# code, full Chinese name, English name, kind, extra English aliases, extra Chinese aliases
PROVINCES = [
    ("11", "北京市", "Beijing", "municipality", ["Peking", "Peiping"], []),
    ("12", "天津市", "Tianjin", "municipality", ["Tientsin"], []),
    ("13", "河北省", "Hebei", "province", ["Hopeh", "Hopei"], []),
    ("14", "山西省", "Shanxi", "province", ["Shansi"], []),
    ("15", "内蒙古自治区", "Inner Mongolia", "region", ["Nei Mongol", "Neimenggu"], ["内蒙"]),
    ("21", "辽宁省", "Liaoning", "province", [], []),
    ("22", "吉林省", "Jilin", "province", ["Kirin"], []),
    ("23", "黑龙江省", "Heilongjiang", "province", ["Heilungkiang"], []),
    ("31", "上海市", "Shanghai", "municipality", [], []),
    ("32", "江苏省", "Jiangsu", "province", ["Kiangsu"], []),
    ("33", "浙江省", "Zhejiang", "province", ["Chekiang"], []),
    ("34", "安徽省", "Anhui", "province", ["Anhwei"], []),
    ("35", "福建省", "Fujian", "province", ["Fukien"], []),
    ("36", "江西省", "Jiangxi", "province", ["Kiangsi"], []),
    ("37", "山东省", "Shandong", "province", ["Shantung"], []),
    ("41", "河南省", "Henan", "province", ["Honan"], []),
    ("42", "湖北省", "Hubei", "province", ["Hupeh", "Hupei"], []),
    ("43", "湖南省", "Hunan", "province", [], []),
    ("44", "广东省", "Guangdong", "province", ["Kwangtung"], []),
    (
        "45",
        "广西壮族自治区",
        "Guangxi",
        "region",
        ["Kwangsi", "Guangxi Zhuang Autonomous Region"],
        [],
    ),
    ("46", "海南省", "Hainan", "province", [], []),
    ("50", "重庆市", "Chongqing", "municipality", ["Chungking"], []),
    ("51", "四川省", "Sichuan", "province", ["Szechuan", "Szechwan"], []),
    ("52", "贵州省", "Guizhou", "province", ["Kweichow"], []),
    ("53", "云南省", "Yunnan", "province", [], []),
    ("54", "西藏自治区", "Tibet", "region", ["Xizang", "Xizang Autonomous Region"], []),
    ("61", "陕西省", "Shaanxi", "province", ["Shensi"], []),
    ("62", "甘肃省", "Gansu", "province", ["Kansu"], []),
    ("63", "青海省", "Qinghai", "province", ["Tsinghai"], []),
    ("64", "宁夏回族自治区", "Ningxia", "region", ["Ningsia", "Ningxia Hui Autonomous Region"], []),
    (
        "65",
        "新疆维吾尔自治区",
        "Xinjiang",
        "region",
        ["Sinkiang", "Xinjiang Uygur Autonomous Region", "Xinjiang Uyghur Autonomous Region"],
        [],
    ),
    ("71", "台湾省", "Taiwan", "province", [], []),
    (
        "81",
        "香港特别行政区",
        "Hong Kong",
        "sar",
        ["Hong Kong SAR", "Hong Kong Special Administrative Region", "HKSAR", "HK"],
        ["香港特区"],
    ),
    (
        "82",
        "澳门特别行政区",
        "Macau",
        "sar",
        ["Macao", "Macau SAR", "Macao SAR", "Macao Special Administrative Region"],
        ["澳门特区"],
    ),
]

# Prefecture level: code, full Chinese name, English name|aliases (first is the name).
PREFECTURES = """
    1301 石家庄市 Shijiazhuang
    1302 唐山市 Tangshan
    1303 秦皇岛市 Qinhuangdao
    1304 邯郸市 Handan
    1305 邢台市 Xingtai
    1306 保定市 Baoding
    1307 张家口市 Zhangjiakou
    1308 承德市 Chengde
    1309 沧州市 Cangzhou
    1310 廊坊市 Langfang
    1311 衡水市 Hengshui
    1401 太原市 Taiyuan
    1402 大同市 Datong
    1403 阳泉市 Yangquan
    1404 长治市 Changzhi
    1405 晋城市 Jincheng
    1406 朔州市 Shuozhou
    1407 晋中市 Jinzhong
    1408 运城市 Yuncheng
    1409 忻州市 Xinzhou
    1410 临汾市 Linfen
    1411 吕梁市 Lüliang|Lvliang
    1501 呼和浩特市 Hohhot|Huhehaote|Huhhot
    1502 包头市 Baotou
    1503 乌海市 Wuhai
    1504 赤峰市 Chifeng
    1505 通辽市 Tongliao
    1506 鄂尔多斯市 Ordos
    1507 呼伦贝尔市 Hulunbuir
    1508 巴彦淖尔市 Bayannur
    1509 乌兰察布市 Ulanqab
    1522 兴安盟 Hinggan|Xing'an
    1525 锡林郭勒盟 Xilingol|Xilinguole
    1529 阿拉善盟 Alxa|Alashan
    2101 沈阳市 Shenyang|Mukden
    2102 大连市 Dalian
    2103 鞍山市 Anshan
    2104 抚顺市 Fushun
    2105 本溪市 Benxi
    2106 丹东市 Dandong
    2107 锦州市 Jinzhou
    2108 营口市 Yingkou
    2109 阜新市 Fuxin
    2110 辽阳市 Liaoyang
    2111 盘锦市 Panjin
    2112 铁岭市 Tieling
    2113 朝阳市 Chaoyang
    2114 葫芦岛市 Huludao
    2201 长春市 Changchun
    2202 吉林市 Jilin
    2203 四平市 Siping
    2204 辽源市 Liaoyuan
    2205 通化市 Tonghua
    2206 白山市 Baishan
    2207 松原市 Songyuan
    2208 白城市 Baicheng
    2224 延边朝鲜族自治州 Yanbian
    2301 哈尔滨市 Harbin
    2302 齐齐哈尔市 Qiqihar
    2303 鸡西市 Jixi
    2304 鹤岗市 Hegang
    2305 双鸭山市 Shuangyashan
    2306 大庆市 Daqing
    2307 伊春市 Yichun
    2308 佳木斯市 Jiamusi
    2309 七台河市 Qitaihe
    2310 牡丹江市 Mudanjiang
    2311 黑河市 Heihe
    2312 绥化市 Suihua
    2327 大兴安岭地区 Da Hinggan Ling|Daxing'anling|Greater Khingan
    3201 南京市 Nanjing|Nanking
    3202 无锡市 Wuxi
    3203 徐州市 Xuzhou
    3204 常州市 Changzhou
    3205 苏州市 Suzhou|Soochow
    3206 南通市 Nantong
    3207 连云港市 Lianyungang
    3208 淮安市 Huai'an
    3209 盐城市 Yancheng
    3210 扬州市 Yangzhou
    3211 镇江市 Zhenjiang
    3212 泰州市 Taizhou
    3213 宿迁市 Suqian
    3301 杭州市 Hangzhou|Hangchow
    3302 宁波市 Ningbo
    3303 温州市 Wenzhou
    3304 嘉兴市 Jiaxing
    3305 湖州市 Huzhou
    3306 绍兴市 Shaoxing
    3307 金华市 Jinhua
    3308 衢州市 Quzhou
    3309 舟山市 Zhoushan
    3310 台州市 Taizhou
    3311 丽水市 Lishui
    3401 合肥市 Hefei
    3402 芜湖市 Wuhu
    3403 蚌埠市 Bengbu
    3404 淮南市 Huainan
    3405 马鞍山市 Ma'anshan
    3406 淮北市 Huaibei
    3407 铜陵市 Tongling
    3408 安庆市 Anqing
    3410 黄山市 Huangshan
    3411 滁州市 Chuzhou
    3412 阜阳市 Fuyang
    3413 宿州市 Suzhou
    3415 六安市 Lu'an
    3416 亳州市 Bozhou
    3417 池州市 Chizhou
    3418 宣城市 Xuancheng
    3501 福州市 Fuzhou|Foochow
    3502 厦门市 Xiamen|Amoy
    3503 莆田市 Putian
    3504 三明市 Sanming
    3505 泉州市 Quanzhou
    3506 漳州市 Zhangzhou
    3507 南平市 Nanping
    3508 龙岩市 Longyan
    3509 宁德市 Ningde
    3601 南昌市 Nanchang
    3602 景德镇市 Jingdezhen
    3603 萍乡市 Pingxiang
    3604 九江市 Jiujiang
    3605 新余市 Xinyu
    3606 鹰潭市 Yingtan
    3607 赣州市 Ganzhou
    3608 吉安市 Ji'an
    3609 宜春市 Yichun
    3610 抚州市 Fuzhou
    3611 上饶市 Shangrao
    3701 济南市 Jinan|Tsinan
    3702 青岛市 Qingdao|Tsingtao
    3703 淄博市 Zibo
    3704 枣庄市 Zaozhuang
    3705 东营市 Dongying
    3706 烟台市 Yantai
    3707 潍坊市 Weifang
    3708 济宁市 Jining
    3709 泰安市 Tai'an
    3710 威海市 Weihai
    3711 日照市 Rizhao
    3713 临沂市 Linyi
    3714 德州市 Dezhou
    3715 聊城市 Liaocheng
    3716 滨州市 Binzhou
    3717 菏泽市 Heze
    4101 郑州市 Zhengzhou
    4102 开封市 Kaifeng
    4103 洛阳市 Luoyang
    4104 平顶山市 Pingdingshan
    4105 安阳市 Anyang
    4106 鹤壁市 Hebi
    4107 新乡市 Xinxiang
    4108 焦作市 Jiaozuo
    4109 濮阳市 Puyang
    4110 许昌市 Xuchang
    4111 漯河市 Luohe
    4112 三门峡市 Sanmenxia
    4113 南阳市 Nanyang
    4114 商丘市 Shangqiu
    4115 信阳市 Xinyang
    4116 周口市 Zhoukou
    4117 驻马店市 Zhumadian
    4201 武汉市 Wuhan
    4202 黄石市 Huangshi
    4203 十堰市 Shiyan
    4205 宜昌市 Yichang
    4206 襄阳市 Xiangyang
    4207 鄂州市 Ezhou
    4208 荆门市 Jingmen
    4209 孝感市 Xiaogan
    4210 荆州市 Jingzhou
    4211 黄冈市 Huanggang
    4212 咸宁市 Xianning
    4213 随州市 Suizhou
    4228 恩施土家族苗族自治州 Enshi
    4301 长沙市 Changsha
    4302 株洲市 Zhuzhou
    4303 湘潭市 Xiangtan
    4304 衡阳市 Hengyang
    4305 邵阳市 Shaoyang
    4306 岳阳市 Yueyang
    4307 常德市 Changde
    4308 张家界市 Zhangjiajie
    4309 益阳市 Yiyang
    4310 郴州市 Chenzhou
    4311 永州市 Yongzhou
    4312 怀化市 Huaihua
    4313 娄底市 Loudi
    4331 湘西土家族苗族自治州 Xiangxi
    4401 广州市 Guangzhou|Canton
    4402 韶关市 Shaoguan
    4403 深圳市 Shenzhen
    4404 珠海市 Zhuhai
    4405 汕头市 Shantou|Swatow
    4406 佛山市 Foshan
    4407 江门市 Jiangmen
    4408 湛江市 Zhanjiang
    4409 茂名市 Maoming
    4412 肇庆市 Zhaoqing
    4413 惠州市 Huizhou
    4414 梅州市 Meizhou
    4415 汕尾市 Shanwei
    4416 河源市 Heyuan
    4417 阳江市 Yangjiang
    4418 清远市 Qingyuan
    4419 东莞市 Dongguan
    4420 中山市 Zhongshan
    4451 潮州市 Chaozhou
    4452 揭阳市 Jieyang
    4453 云浮市 Yunfu
    4501 南宁市 Nanning
    4502 柳州市 Liuzhou
    4503 桂林市 Guilin|Kweilin
    4504 梧州市 Wuzhou
    4505 北海市 Beihai
    4506 防城港市 Fangchenggang
    4507 钦州市 Qinzhou
    4508 贵港市 Guigang
    4509 玉林市 Yulin
    4510 百色市 Baise
    4511 贺州市 Hezhou
    4512 河池市 Hechi
    4513 来宾市 Laibin
    4514 崇左市 Chongzuo
    4601 海口市 Haikou
    4602 三亚市 Sanya
    4603 三沙市 Sansha
    4604 儋州市 Danzhou
    5101 成都市 Chengdu|Chengtu
    5103 自贡市 Zigong
    5104 攀枝花市 Panzhihua
    5105 泸州市 Luzhou
    5106 德阳市 Deyang
    5107 绵阳市 Mianyang
    5108 广元市 Guangyuan
    5109 遂宁市 Suining
    5110 内江市 Neijiang
    5111 乐山市 Leshan
    5113 南充市 Nanchong
    5114 眉山市 Meishan
    5115 宜宾市 Yibin
    5116 广安市 Guang'an
    5117 达州市 Dazhou
    5118 雅安市 Ya'an
    5119 巴中市 Bazhong
    5120 资阳市 Ziyang
    5132 阿坝藏族羌族自治州 Ngawa
    5133 甘孜藏族自治州 Garze|Garzê|Ganzi
    5134 凉山彝族自治州 Liangshan
    5201 贵阳市 Guiyang
    5202 六盘水市 Liupanshui
    5203 遵义市 Zunyi
    5204 安顺市 Anshun
    5205 毕节市 Bijie
    5206 铜仁市 Tongren
    5223 黔西南布依族苗族自治州 Qianxinan
    5226 黔东南苗族侗族自治州 Qiandongnan
    5227 黔南布依族苗族自治州 Qiannan
    5301 昆明市 Kunming
    5303 曲靖市 Qujing
    5304 玉溪市 Yuxi
    5305 保山市 Baoshan
    5306 昭通市 Zhaotong
    5307 丽江市 Lijiang
    5308 普洱市 Pu'er
    5309 临沧市 Lincang
    5323 楚雄彝族自治州 Chuxiong
    5325 红河哈尼族彝族自治州 Honghe
    5326 文山壮族苗族自治州 Wenshan
    5328 西双版纳傣族自治州 Xishuangbanna
    5329 大理白族自治州 Dali
    5331 德宏傣族景颇族自治州 Dehong
    5333 怒江傈僳族自治州 Nujiang
    5334 迪庆藏族自治州 Diqing|Dêqên
    5401 拉萨市 Lhasa
    5402 日喀则市 Shigatse|Xigaze|Rikaze
    5403 昌都市 Chamdo|Qamdo|Changdu
    5404 林芝市 Nyingchi|Linzhi
    5405 山南市 Shannan|Lhoka
    5406 那曲市 Nagqu|Naqu
    5425 阿里地区 Ngari
    6101 西安市 Xi'an|Sian
    6102 铜川市 Tongchuan
    6103 宝鸡市 Baoji
    6104 咸阳市 Xianyang
    6105 渭南市 Weinan
    6106 延安市 Yan'an
    6107 汉中市 Hanzhong
    6108 榆林市 Yulin
    6109 安康市 Ankang
    6110 商洛市 Shangluo
    6201 兰州市 Lanzhou|Lanchow
    6202 嘉峪关市 Jiayuguan
    6203 金昌市 Jinchang
    6204 白银市 Baiyin
    6205 天水市 Tianshui
    6206 武威市 Wuwei
    6207 张掖市 Zhangye
    6208 平凉市 Pingliang
    6209 酒泉市 Jiuquan
    6210 庆阳市 Qingyang
    6211 定西市 Dingxi
    6212 陇南市 Longnan
    6229 临夏回族自治州 Linxia
    6230 甘南藏族自治州 Gannan
    6301 西宁市 Xining
    6302 海东市 Haidong
    6322 海北藏族自治州 Haibei
    6323 黄南藏族自治州 Huangnan
    6325 海南藏族自治州 Hainan
    6326 果洛藏族自治州 Golog|Guoluo
    6327 玉树藏族自治州 Yushu
    6328 海西蒙古族藏族自治州 Haixi
    6401 银川市 Yinchuan
    6402 石嘴山市 Shizuishan
    6403 吴忠市 Wuzhong
    6404 固原市 Guyuan
    6405 中卫市 Zhongwei
    6501 乌鲁木齐市 Urumqi|Ürümqi|Urumchi|Wulumuqi
    6502 克拉玛依市 Karamay|Kelamayi
    6504 吐鲁番市 Turpan|Tulufan
    6505 哈密市 Hami|Kumul
    6523 昌吉回族自治州 Changji
    6527 博尔塔拉蒙古自治州 Bortala|Bo'ertala
    6528 巴音郭楞蒙古自治州 Bayingolin|Bayinguoleng
    6529 阿克苏地区 Aksu|Akesu
    6530 克孜勒苏柯尔克孜自治州 Kizilsu|Kezilesu
    6531 喀什地区 Kashgar|Kashi
    6532 和田地区 Hotan|Hetian
    6540 伊犁哈萨克自治州 Ili
    6542 塔城地区 Tacheng
    6543 阿勒泰地区 Altay|Aletai
"""

# Jiangsu county level: code, full Chinese name, English name|aliases.
JIANGSU_COUNTIES = """
    320102 玄武区 Xuanwu
    320104 秦淮区 Qinhuai
    320105 建邺区 Jianye
    320106 鼓楼区 Gulou
    320111 浦口区 Pukou
    320113 栖霞区 Qixia
    320114 雨花台区 Yuhuatai
    320115 江宁区 Jiangning
    320116 六合区 Luhe
    320117 溧水区 Lishui
    320118 高淳区 Gaochun
    320205 锡山区 Xishan
    320206 惠山区 Huishan
    320211 滨湖区 Binhu
    320213 梁溪区 Liangxi
    320214 新吴区 Xinwu
    320281 江阴市 Jiangyin
    320282 宜兴市 Yixing
    320302 鼓楼区 Gulou
    320303 云龙区 Yunlong
    320305 贾汪区 Jiawang
    320311 泉山区 Quanshan
    320312 铜山区 Tongshan
    320321 丰县 Feng|Fengxian
    320322 沛县 Pei|Peixian
    320324 睢宁县 Suining
    320381 新沂市 Xinyi
    320382 邳州市 Pizhou
    320402 天宁区 Tianning
    320404 钟楼区 Zhonglou
    320411 新北区 Xinbei
    320412 武进区 Wujin
    320413 金坛区 Jintan
    320481 溧阳市 Liyang
    320505 虎丘区 Huqiu
    320506 吴中区 Wuzhong
    320507 相城区 Xiangcheng
    320508 姑苏区 Gusu
    320509 吴江区 Wujiang
    320581 常熟市 Changshu
    320582 张家港市 Zhangjiagang
    320583 昆山市 Kunshan
    320585 太仓市 Taicang
    320612 通州区 Tongzhou
    320613 崇川区 Chongchuan
    320614 海门区 Haimen
    320623 如东县 Rudong
    320681 启东市 Qidong
    320682 如皋市 Rugao
    320685 海安市 Hai'an
    320703 连云区 Lianyun
    320706 海州区 Haizhou
    320707 赣榆区 Ganyu
    320722 东海县 Donghai
    320723 灌云县 Guanyun
    320724 灌南县 Guannan
    320803 淮安区 Huai'an
    320804 淮阴区 Huaiyin
    320812 清江浦区 Qingjiangpu
    320813 洪泽区 Hongze
    320826 涟水县 Lianshui
    320830 盱眙县 Xuyi
    320831 金湖县 Jinhu
    320902 亭湖区 Tinghu
    320903 盐都区 Yandu
    320904 大丰区 Dafeng
    320921 响水县 Xiangshui
    320922 滨海县 Binhai
    320923 阜宁县 Funing
    320924 射阳县 Sheyang
    320925 建湖县 Jianhu
    320981 东台市 Dongtai
    321002 广陵区 Guangling
    321003 邗江区 Hanjiang
    321012 江都区 Jiangdu
    321023 宝应县 Baoying
    321081 仪征市 Yizheng
    321084 高邮市 Gaoyou
    321102 京口区 Jingkou
    321111 润州区 Runzhou
    321112 丹徒区 Dantu
    321181 丹阳市 Danyang
    321182 扬中市 Yangzhong
    321183 句容市 Jurong
    321202 海陵区 Hailing
    321203 高港区 Gaogang
    321204 姜堰区 Jiangyan
    321281 兴化市 Xinghua
    321282 靖江市 Jingjiang
    321283 泰兴市 Taixing
    321302 宿城区 Sucheng
    321311 宿豫区 Suyu
    321322 沭阳县 Shuyang
    321323 泗阳县 Siyang
    321324 泗洪县 Sihong
"""

# The peoples named in the full names of autonomous prefectures.
AUTONOMOUS_PEOPLES = {
    "延边": "Korean",
    "恩施": "Tujia and Miao",
    "湘西": "Tujia and Miao",
    "阿坝": "Tibetan and Qiang",
    "甘孜": "Tibetan",
    "凉山": "Yi",
    "黔西南": "Buyei and Miao",
    "黔东南": "Miao and Dong",
    "黔南": "Buyei and Miao",
    "楚雄": "Yi",
    "红河": "Hani and Yi",
    "文山": "Zhuang and Miao",
    "西双版纳": "Dai",
    "大理": "Bai",
    "德宏": "Dai and Jingpo",
    "怒江": "Lisu",
    "迪庆": "Tibetan",
    "临夏": "Hui",
    "甘南": "Tibetan",
    "海北": "Tibetan",
    "黄南": "Tibetan",
    "海南": "Tibetan",
    "果洛": "Tibetan",
    "玉树": "Tibetan",
    "海西": "Mongol and Tibetan",
    "昌吉": "Hui",
    "博尔塔拉": "Mongol",
    "巴音郭楞": "Mongol",
    "克孜勒苏": "Kyrgyz",
    "伊犁": "Kazakh",
}
_PEOPLES_ZH = (
    "朝鲜族|土家族|苗族|藏族|羌族|彝族|布依族|侗族|哈尼族|壮族|傣族|白族|景颇族|傈僳族|回族|"
    "蒙古族|蒙古|柯尔克孜|哈萨克"
)
_AUTONOMOUS_PREFECTURE = re.compile(rf"^(.+?)(?:{_PEOPLES_ZH})+自治州$")

# Short Chinese forms that are also ordinary words or better-known other places:
# the place is then only found by its full name (鼓楼区, 朝阳市, 通州区...).
#   鼓楼/钟楼 drum/bell towers in every old city; 滨湖/滨海 "lakeside"/"coastal";
#   东海 the East China Sea; 新北 New Taipei; 通州 Beijing's sub-centre; 六合 a
#   lottery; 玄武/天宁/云龙 a deity, a temple, a given name; 朝阳 "sunrise" and
#   Beijing's Chaoyang; 白银 silver; 阿里 Alibaba; 安康 "well-being"; 来宾 "guests".
COMMON_WORD_SHORT_FORMS = set(
    _words("鼓楼 钟楼 滨湖 滨海 东海 新北 通州 六合 玄武 天宁 云龙 朝阳 白银 阿里 安康 来宾")
)

# Places whose English name is also an ordinary word or a common given/family
# name, so that a bare capitalised mention needs support from the context.
AMBIGUOUS = set(
    _words(
        "td jo ge tr gn fr-nice us-washington it-florence bg-sofia us-austin us-phoenix "
        "jm-kingston cl-santiago cn-yunnan-dali"
    )
)

# The 193 UN member states, plus observers and a few territories that make news.
UN_MEMBERS = _words(
    "AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI "
    "CV KH CM CA CF TD CL CN CO KM CG CD CR CI HR CU CY CZ DK DJ DM DO EC EG SV GQ ER EE "
    "SZ ET FJ FI FR GA GM GE DE GH GR GD GT GN GW GY HT HN HU IS IN ID IR IQ IE IL IT JM "
    "JP JO KZ KE KI KP KR KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MH MR MU MX "
    "FM MD MC MN ME MA MZ MM NA NR NP NL NZ NI NE NG MK NO OM PK PW PA PG PY PE PH PL PT "
    "QA RO RU RW KN LC VC WS SM ST SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH "
    "SY TJ TZ TH TL TG TO TT TN TR TM TV UG UA AE GB US UY UZ VU VE VN YE ZM ZW"
)
OBSERVERS_AND_TERRITORIES = _words("VA PS XK PR GL BM KY VG GI GU NC PF AW CW EH FO")

# English name overrides (CLDR's are display forms: "Bosnia & Herzegovina").
COUNTRY_EN = {
    "AG": "Antigua and Barbuda",
    "BA": "Bosnia and Herzegovina",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CI": "Côte d'Ivoire",
    "KN": "Saint Kitts and Nevis",
    "LC": "Saint Lucia",
    "MM": "Myanmar",
    "PS": "Palestine",
    "ST": "São Tomé and Príncipe",
    "TR": "Turkey",
    "TT": "Trinidad and Tobago",
    "VC": "Saint Vincent and the Grenadines",
}
COUNTRY_ZH = {"CD": "刚果民主共和国", "CG": "刚果共和国", "PS": "巴勒斯坦"}
COUNTRY_ALIASES = {
    "AE": ["UAE", "U.A.E.", "阿联酋"],
    "AG": ["Antigua"],
    "BA": ["Bosnia", "Bosnia-Herzegovina", "波黑"],
    "BN": ["Brunei Darussalam"],
    "BS": ["The Bahamas"],
    "CD": ["DR Congo", "DRC", "Congo-Kinshasa", "Congo", "刚果金", "民主刚果", "刚果"],
    "CG": ["Congo-Brazzaville", "Congo", "刚果布", "刚果"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "CN": [
        "People's Republic of China",
        "PRC",
        "P.R.C.",
        "Mainland China",
        "Chinese mainland",
        "中华人民共和国",
        "中国大陆",
    ],
    "CV": ["Cabo Verde"],
    "CZ": ["Czech Republic", "捷克共和国"],
    "DE": ["Federal Republic of Germany", "德意志联邦共和国"],
    "FM": ["Federated States of Micronesia"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "大不列颠", "联合王国"],
    "GM": ["The Gambia"],
    "ID": ["印尼"],
    "IR": ["Islamic Republic of Iran"],
    "KG": ["Kyrgyz Republic"],
    "KP": ["DPRK", "Democratic People's Republic of Korea", "朝鲜民主主义人民共和国"],
    "KR": ["Korea", "Republic of Korea", "ROK", "大韩民国"],
    "LA": ["Lao PDR"],
    "MD": ["Republic of Moldova"],
    "MK": ["Macedonia", "马其顿"],
    "MM": ["Burma"],
    "NL": ["Holland", "The Netherlands", "尼德兰"],
    "PS": ["State of Palestine", "Palestinian Territories"],
    "RU": ["Russian Federation", "俄国", "俄罗斯联邦"],
    "SA": ["沙特"],
    "SZ": ["Swaziland", "埃斯瓦蒂尼"],
    "TL": ["East Timor"],
    "TR": ["Türkiye", "Turkiye", "Republic of Turkey", "土耳其共和国"],
    "US": [
        "US",
        "U.S.",
        "USA",
        "U.S.A.",
        "United States of America",
        "America",
        "美利坚合众国",
    ],
    "VA": ["Holy See", "Vatican", "梵蒂冈城国"],
    "VN": ["Viet Nam"],
    "XK": ["Republic of Kosovo"],
}
# CLDR's Taiwan/Hong Kong names that are also words here: 狮子山 (Lion Rock),
# 查德 (the given name Chad), 东加, 马利, 乔治亚 (the US state, in mainland usage),
# and the names of peoples of China (哈萨克族...).
COUNTRY_ZH_BLOCKED = set(_words("狮子山 查德 东加 哈萨克 塔吉克 乌兹别克 马利 乔治亚"))

# World cities: country (or parent id), English, Chinese, English aliases, Chinese aliases.
# Within a country the more prominent city comes first (it wins ties on a shared name).
WORLD_CITIES = [
    # East Asia
    ("jp", "Tokyo", "东京", [], ["东京都"]),
    ("jp", "Osaka", "大阪", [], []),
    ("jp", "Yokohama", "横滨", [], []),
    ("jp", "Nagoya", "名古屋", [], []),
    ("jp", "Kyoto", "京都", [], []),
    ("jp", "Kobe", "神户", [], []),
    ("jp", "Fukuoka", "福冈", [], []),
    ("jp", "Sapporo", "札幌", [], []),
    ("jp", "Hiroshima", "广岛", [], []),
    ("kr", "Seoul", "首尔", [], ["汉城"]),
    ("kr", "Busan", "釜山", ["Pusan"], []),
    ("kr", "Incheon", "仁川", [], []),
    ("kr", "Daegu", "大邱", [], []),
    ("kp", "Pyongyang", "平壤", [], []),
    ("mn", "Ulaanbaatar", "乌兰巴托", ["Ulan Bator"], []),
    ("cn-taiwan", "Taipei", "台北", [], ["台北市"]),
    ("cn-taiwan", "Kaohsiung", "高雄", [], ["高雄市"]),
    ("cn-taiwan", "Taichung", "台中", [], ["台中市"]),
    ("cn-taiwan", "Tainan", "台南", [], ["台南市"]),
    ("cn-taiwan", "Hsinchu", "新竹", [], ["新竹市"]),
    # Southeast and South Asia
    ("vn", "Hanoi", "河内", ["Ha Noi"], []),
    ("vn", "Ho Chi Minh City", "胡志明市", ["Saigon", "HCMC"], ["西贡"]),
    ("vn", "Da Nang", "岘港", ["Danang"], []),
    ("vn", "Haiphong", "海防市", ["Hai Phong"], []),
    ("th", "Bangkok", "曼谷", [], []),
    ("my", "Kuala Lumpur", "吉隆坡", [], []),
    ("my", "Penang", "槟城", ["George Town"], []),
    ("my", "Johor Bahru", "新山", [], []),
    ("id", "Jakarta", "雅加达", [], []),
    ("id", "Surabaya", "泗水", [], []),
    ("ph", "Manila", "马尼拉", [], []),
    ("kh", "Phnom Penh", "金边", [], []),
    ("mm", "Yangon", "仰光", ["Rangoon"], []),
    ("mm", "Naypyidaw", "内比都", ["Nay Pyi Taw"], []),
    ("bd", "Dhaka", "达卡", ["Dacca"], []),
    ("in", "New Delhi", "新德里", ["Delhi"], ["德里"]),
    ("in", "Mumbai", "孟买", ["Bombay"], []),
    ("in", "Bangalore", "班加罗尔", ["Bengaluru"], []),
    ("in", "Chennai", "金奈", ["Madras"], []),
    ("in", "Kolkata", "加尔各答", ["Calcutta"], []),
    ("in", "Hyderabad", "海得拉巴", [], []),
    ("in", "Pune", "浦那", [], []),
    ("in", "Ahmedabad", "艾哈迈达巴德", [], []),
    ("pk", "Islamabad", "伊斯兰堡", [], []),
    ("pk", "Karachi", "卡拉奇", [], []),
    ("pk", "Lahore", "拉合尔", [], []),
    ("lk", "Colombo", "科伦坡", [], []),
    ("np", "Kathmandu", "加德满都", [], []),
    # West and Central Asia
    ("af", "Kabul", "喀布尔", [], []),
    ("ir", "Tehran", "德黑兰", ["Teheran"], []),
    ("iq", "Baghdad", "巴格达", [], []),
    ("sa", "Riyadh", "利雅得", [], []),
    ("sa", "Jeddah", "吉达", ["Jiddah"], []),
    ("ae", "Dubai", "迪拜", [], []),
    ("ae", "Abu Dhabi", "阿布扎比", [], []),
    ("qa", "Doha", "多哈", [], []),
    ("kw", "Kuwait City", "科威特城", [], []),
    ("bh", "Manama", "麦纳麦", [], []),
    ("om", "Muscat", "马斯喀特", [], []),
    ("jo", "Amman", "安曼", [], []),
    ("lb", "Beirut", "贝鲁特", [], []),
    ("sy", "Damascus", "大马士革", [], []),
    ("il", "Jerusalem", "耶路撒冷", [], []),
    ("il", "Tel Aviv", "特拉维夫", ["Tel Aviv-Yafo"], []),
    ("tr", "Istanbul", "伊斯坦布尔", [], []),
    ("tr", "Ankara", "安卡拉", [], []),
    ("ye", "Sanaa", "萨那", ["Sana'a"], []),
    ("kz", "Astana", "阿斯塔纳", ["Nur-Sultan"], []),
    ("kz", "Almaty", "阿拉木图", ["Alma-Ata"], []),
    ("uz", "Tashkent", "塔什干", [], []),
    ("kg", "Bishkek", "比什凯克", [], []),
    ("tj", "Dushanbe", "杜尚别", [], []),
    ("tm", "Ashgabat", "阿什哈巴德", [], []),
    ("az", "Baku", "巴库", [], []),
    ("ge", "Tbilisi", "第比利斯", [], []),
    ("am", "Yerevan", "埃里温", [], []),
    # Europe
    ("gb", "London", "伦敦", [], []),
    ("gb", "Manchester", "曼彻斯特", [], []),
    ("gb", "Birmingham", "伯明翰", [], []),
    ("gb", "Edinburgh", "爱丁堡", [], []),
    ("gb", "Glasgow", "格拉斯哥", [], []),
    ("gb", "Liverpool", "利物浦", [], []),
    ("ie", "Dublin", "都柏林", [], []),
    ("fr", "Paris", "巴黎", [], []),
    ("fr", "Marseille", "马赛", ["Marseilles"], []),
    ("fr", "Lyon", "里昂", ["Lyons"], []),
    ("fr", "Toulouse", "图卢兹", [], []),
    ("fr", "Nice", "尼斯", [], []),
    ("fr", "Bordeaux", "波尔多", [], []),
    ("fr", "Strasbourg", "斯特拉斯堡", [], []),
    ("fr", "Cannes", "戛纳", [], []),
    ("de", "Berlin", "柏林", [], []),
    ("de", "Frankfurt", "法兰克福", ["Frankfurt am Main"], []),
    ("de", "Munich", "慕尼黑", ["München"], []),
    ("de", "Hamburg", "汉堡", [], []),
    ("de", "Cologne", "科隆", ["Köln"], []),
    ("de", "Stuttgart", "斯图加特", [], []),
    ("de", "Düsseldorf", "杜塞尔多夫", ["Duesseldorf"], []),
    ("de", "Dresden", "德累斯顿", [], []),
    ("de", "Leipzig", "莱比锡", [], []),
    ("de", "Hanover", "汉诺威", ["Hannover"], []),
    ("it", "Rome", "罗马", [], []),
    ("it", "Milan", "米兰", ["Milano"], []),
    ("it", "Turin", "都灵", ["Torino"], []),
    ("it", "Venice", "威尼斯", ["Venezia"], []),
    ("it", "Florence", "佛罗伦萨", ["Firenze"], []),
    ("it", "Naples", "那不勒斯", ["Napoli"], []),
    ("es", "Madrid", "马德里", [], []),
    ("es", "Barcelona", "巴塞罗那", [], []),
    ("es", "Valencia", "瓦伦西亚", [], ["巴伦西亚"]),
    ("es", "Seville", "塞维利亚", ["Sevilla"], []),
    ("pt", "Lisbon", "里斯本", ["Lisboa"], []),
    ("pt", "Porto", "波尔图", ["Oporto"], []),
    ("nl", "Amsterdam", "阿姆斯特丹", [], []),
    ("nl", "Rotterdam", "鹿特丹", [], []),
    ("nl", "The Hague", "海牙", ["Den Haag"], []),
    ("nl", "Eindhoven", "埃因霍温", [], []),
    ("be", "Brussels", "布鲁塞尔", ["Bruxelles"], []),
    ("be", "Antwerp", "安特卫普", ["Antwerpen"], []),
    ("ch", "Zurich", "苏黎世", ["Zürich"], []),
    ("ch", "Geneva", "日内瓦", ["Genève"], []),
    ("ch", "Bern", "伯尔尼", ["Berne"], []),
    ("ch", "Basel", "巴塞尔", [], []),
    ("at", "Vienna", "维也纳", ["Wien"], []),
    ("dk", "Copenhagen", "哥本哈根", [], []),
    ("se", "Stockholm", "斯德哥尔摩", [], []),
    ("se", "Gothenburg", "哥德堡", ["Göteborg"], []),
    ("no", "Oslo", "奥斯陆", [], []),
    ("fi", "Helsinki", "赫尔辛基", [], []),
    ("is", "Reykjavik", "雷克雅未克", ["Reykjavík"], []),
    ("pl", "Warsaw", "华沙", [], []),
    ("pl", "Krakow", "克拉科夫", ["Kraków", "Cracow"], []),
    ("cz", "Prague", "布拉格", ["Praha"], []),
    ("sk", "Bratislava", "布拉迪斯拉发", [], []),
    ("hu", "Budapest", "布达佩斯", [], []),
    ("ro", "Bucharest", "布加勒斯特", [], []),
    ("bg", "Sofia", "索非亚", [], []),
    ("gr", "Athens", "雅典", [], []),
    ("rs", "Belgrade", "贝尔格莱德", [], []),
    ("hr", "Zagreb", "萨格勒布", [], []),
    ("si", "Ljubljana", "卢布尔雅那", [], []),
    ("ba", "Sarajevo", "萨拉热窝", [], []),
    ("al", "Tirana", "地拉那", [], []),
    ("mk", "Skopje", "斯科普里", [], []),
    ("me", "Podgorica", "波德戈里察", [], []),
    ("ua", "Kyiv", "基辅", ["Kiev"], []),
    ("ua", "Odesa", "敖德萨", ["Odessa"], []),
    ("ua", "Kharkiv", "哈尔科夫", ["Kharkov"], []),
    ("by", "Minsk", "明斯克", [], []),
    ("md", "Chisinau", "基希讷乌", ["Chișinău"], []),
    ("lt", "Vilnius", "维尔纽斯", [], []),
    ("lv", "Riga", "里加", [], []),
    ("ee", "Tallinn", "塔林", [], []),
    ("ru", "Moscow", "莫斯科", [], []),
    ("ru", "Saint Petersburg", "圣彼得堡", ["St. Petersburg", "St Petersburg"], []),
    ("ru", "Vladivostok", "符拉迪沃斯托克", [], ["海参崴"]),
    ("ru", "Novosibirsk", "新西伯利亚", [], []),
    ("ru", "Kazan", "喀山", [], []),
    ("cy", "Nicosia", "尼科西亚", [], []),
    ("mt", "Valletta", "瓦莱塔", [], []),
    # North America
    ("us", "New York", "纽约", ["New York City", "NYC"], ["纽约市"]),
    ("us", "Washington", "华盛顿", ["Washington, D.C.", "Washington DC"], []),
    ("us", "Los Angeles", "洛杉矶", [], []),
    ("us", "Chicago", "芝加哥", [], []),
    ("us", "San Francisco", "旧金山", [], ["三藩市"]),
    ("us", "Houston", "休斯敦", [], []),
    ("us", "Seattle", "西雅图", [], []),
    ("us", "Boston", "波士顿", [], []),
    ("us", "Miami", "迈阿密", [], []),
    ("us", "Atlanta", "亚特兰大", [], []),
    ("us", "Dallas", "达拉斯", [], []),
    ("us", "Detroit", "底特律", [], []),
    ("us", "Philadelphia", "费城", [], []),
    ("us", "Las Vegas", "拉斯维加斯", [], []),
    ("us", "San Diego", "圣迭戈", [], []),
    ("us", "San Jose", "圣何塞", [], []),
    ("us", "Austin", "奥斯汀", [], []),
    ("us", "Denver", "丹佛", [], []),
    ("us", "Phoenix", "凤凰城", [], []),
    ("us", "Honolulu", "檀香山", [], ["火奴鲁鲁"]),
    ("ca", "Toronto", "多伦多", [], []),
    ("ca", "Vancouver", "温哥华", [], []),
    ("ca", "Montreal", "蒙特利尔", ["Montréal"], []),
    ("ca", "Ottawa", "渥太华", [], []),
    ("ca", "Calgary", "卡尔加里", [], []),
    ("mx", "Mexico City", "墨西哥城", ["Ciudad de México"], []),
    ("mx", "Monterrey", "蒙特雷", [], []),
    ("mx", "Guadalajara", "瓜达拉哈拉", [], []),
    ("gt", "Guatemala City", "危地马拉城", [], []),
    ("cu", "Havana", "哈瓦那", [], []),
    ("pa", "Panama City", "巴拿马城", [], []),
    ("cr", "San José", "圣何塞", [], []),
    ("jm", "Kingston", "金斯敦", [], []),
    ("do", "Santo Domingo", "圣多明各", [], []),
    # South America
    ("br", "São Paulo", "圣保罗", [], []),
    ("br", "Rio de Janeiro", "里约热内卢", [], ["里约"]),
    ("br", "Brasília", "巴西利亚", [], []),
    ("ar", "Buenos Aires", "布宜诺斯艾利斯", [], []),
    ("cl", "Santiago", "圣地亚哥", [], []),
    ("pe", "Lima", "利马", [], []),
    ("co", "Bogotá", "波哥大", [], []),
    ("ve", "Caracas", "加拉加斯", [], []),
    ("ec", "Quito", "基多", [], []),
    ("uy", "Montevideo", "蒙得维的亚", [], []),
    ("py", "Asunción", "亚松森", [], []),
    ("bo", "La Paz", "拉巴斯", [], []),
    # Africa
    ("eg", "Cairo", "开罗", [], []),
    ("eg", "Alexandria", "亚历山大港", [], []),
    ("ma", "Casablanca", "卡萨布兰卡", [], []),
    ("ma", "Rabat", "拉巴特", [], []),
    ("dz", "Algiers", "阿尔及尔", [], []),
    ("tn", "Tunis", "突尼斯市", [], []),
    ("ly", "Tripoli", "的黎波里", [], []),
    ("sd", "Khartoum", "喀土穆", [], []),
    ("et", "Addis Ababa", "亚的斯亚贝巴", [], []),
    ("ke", "Nairobi", "内罗毕", [], []),
    ("ke", "Mombasa", "蒙巴萨", [], []),
    ("tz", "Dar es Salaam", "达累斯萨拉姆", [], []),
    ("tz", "Dodoma", "多多马", [], []),
    ("ug", "Kampala", "坎帕拉", [], []),
    ("rw", "Kigali", "基加利", [], []),
    ("ng", "Lagos", "拉各斯", [], []),
    ("ng", "Abuja", "阿布贾", [], []),
    ("gh", "Accra", "阿克拉", [], []),
    ("sn", "Dakar", "达喀尔", [], []),
    ("ci", "Abidjan", "阿比让", [], []),
    ("cm", "Yaoundé", "雅温得", [], []),
    ("ao", "Luanda", "罗安达", [], []),
    ("cd", "Kinshasa", "金沙萨", [], []),
    ("zm", "Lusaka", "卢萨卡", [], []),
    ("zw", "Harare", "哈拉雷", [], []),
    ("mz", "Maputo", "马普托", [], []),
    ("mg", "Antananarivo", "安塔那那利佛", [], ["塔那那利佛"]),
    ("za", "Johannesburg", "约翰内斯堡", ["Joburg"], ["约堡"]),
    ("za", "Cape Town", "开普敦", [], []),
    ("za", "Pretoria", "比勒陀利亚", [], []),
    ("za", "Durban", "德班", [], []),
    # Oceania
    ("au", "Sydney", "悉尼", [], []),
    ("au", "Melbourne", "墨尔本", [], []),
    ("au", "Brisbane", "布里斯班", [], []),
    ("au", "Perth", "珀斯", [], []),
    ("au", "Adelaide", "阿德莱德", [], []),
    ("au", "Canberra", "堪培拉", [], []),
    ("nz", "Auckland", "奥克兰", [], []),
    ("nz", "Wellington", "惠灵顿", [], []),
    ("fj", "Suva", "苏瓦", [], []),
    ("pg", "Port Moresby", "莫尔兹比港", [], []),
]

CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


class Builder:
    def __init__(self):
        import opencc

        # Taiwan-standard characters (群, 峰, 秘) rather than OpenCC's own (羣, 峯, 祕).
        self.s2t = opencc.OpenCC("s2tw")
        self.t2s = opencc.OpenCC("t2s")
        self.rows: dict[str, dict] = {}
        # Names already used by places of a higher level, per language.
        self.higher_en: set[str] = set()
        self.higher_zh: set[str] = set()
        self._level_en: set[str] = set()
        self._level_zh: set[str] = set()

    def finish_level(self):
        self.higher_en |= self._level_en
        self.higher_zh |= self._level_zh
        self._level_en, self._level_zh = set(), set()

    def add(self, pid, level, parent, name_en, name_zh, aliases, code="", ambiguous=False):
        if pid in self.rows:
            raise ValueError(f"duplicate id {pid}")
        seen = {latin_key(name_en), name_zh}
        clean = []
        for alias in aliases:
            alias = alias.strip()
            if not alias:
                continue
            if CJK.match(alias[0]):
                if not CJK.match(alias) or len(alias) < 2:
                    raise ValueError(f"{pid}: Chinese alias {alias!r} is not 2+ ideographs")
                key = alias
            else:
                # Acronyms are kept as written: both US and U.S. are listed.
                key = alias if is_acronym(alias) else latin_key(alias)
            if key in seen:
                continue
            seen.add(key)
            clean.append(alias)
        # 里 in a transliteration (马里, 波德戈里察) is never 裡 "inside".
        hant = self.s2t.convert(name_zh).replace("裡", "里").replace("裏", "里")
        if self.t2s.convert(hant) != name_zh:
            raise ValueError(f"{pid}: {name_zh} -> {hant} does not fold back")
        self.rows[pid] = {
            "id": pid,
            "level": level,
            "parent": parent,
            "name_en": name_en,
            "name_zh": name_zh,
            "name_zh_hant": hant,
            "aliases": "|".join(clean),
            "ambiguous": "1" if ambiguous or pid in AMBIGUOUS else "0",
            "code": code,
        }
        for alias in [name_en, *clean]:
            if not CJK.match(alias[0]):
                self._level_en.add(latin_key(alias))
        self._level_zh.update(a for a in [name_zh, *clean] if CJK.match(a[0]))

    def short_or_full(self, short_en, full_en, short_zh, full_zh):
        """Canonical names: the short forms unless a higher place owns them."""
        en_ok = latin_key(short_en) not in self.higher_en
        zh_ok = (
            len(short_zh) >= 2
            and short_zh not in self.higher_zh
            and short_zh not in COMMON_WORD_SHORT_FORMS
        )
        return (short_en if en_ok else full_en, en_ok, short_zh if zh_ok else full_zh, zh_ok)


def parse_table(text):
    for line in text.strip().splitlines():
        code, zh, names = line.split(maxsplit=2)
        en, *aliases = names.split("|")
        yield code, zh, en, aliases


def no_apostrophe(name):
    # Xi'an is also written Xian; but Ji'an without it is the given name Jian.
    plain = name.replace("'", "")
    return [plain] if plain != name and plain != "Jian" else []


def build() -> list[dict]:
    from babel import Locale

    b = Builder()

    # Countries first: they own their names against every lower level.
    en_names = Locale("en").territories
    zh_names = Locale("zh").territories
    hant_names = [Locale.parse("zh_Hant").territories, Locale.parse("zh_Hant_HK").territories]
    countries = []
    for iso in UN_MEMBERS + OBSERVERS_AND_TERRITORIES:
        name_en = COUNTRY_EN.get(iso, en_names[iso])
        name_zh = COUNTRY_ZH.get(iso, zh_names[iso])
        aliases = []
        cldr_en = en_names[iso].replace(" & ", " and ")
        if cldr_en != name_en and not re.search(r"[()]| - ", cldr_en):
            aliases.append(cldr_en)
        if "'" in name_en:
            aliases.append(name_en.replace("'", "’"))
        aliases += COUNTRY_ALIASES.get(iso, [])
        for table in hant_names:
            folded = b.t2s.convert(table.get(iso, ""))
            if CJK.match(folded or "-") and len(folded) >= 2 and folded not in COUNTRY_ZH_BLOCKED:
                aliases.append(folded)
        if CJK.match(zh_names[iso]) and zh_names[iso] != name_zh:
            aliases.append(zh_names[iso])
        countries.append((iso.lower(), name_en, name_zh, aliases, iso))
    countries.sort(key=lambda c: c[0])
    for pid, name_en, name_zh, aliases, iso in countries:
        b.add(pid, "country", "", name_en, name_zh, aliases, code=iso)
    b.finish_level()

    # China's province level.
    province_ids = {}
    for code, full_zh, en, kind, extra_en, extra_zh in PROVINCES:
        short_zh = re.sub(
            r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", full_zh
        )
        aliases = [full_zh, *extra_zh]
        if kind == "province":
            aliases.append(f"{en} Province")
        elif kind == "municipality":
            aliases += [f"{en} Municipality", f"{en} City"]
        elif kind == "region":
            aliases.append(f"{en} Autonomous Region")
        aliases += extra_en
        pid = f"cn-{slug(en)}"
        province_ids[code] = pid
        b.add(pid, "province", "cn", en, short_zh, aliases, code=code + "0000")
    b.finish_level()

    # Prefecture level, then world cities (the same rank).
    prefecture_ids = {}
    for code, full_zh, en, extra in parse_table(PREFECTURES):
        parent = province_ids[code[:2]]
        aliases = []
        ap = _AUTONOMOUS_PREFECTURE.match(full_zh)
        if ap:
            short_zh = ap.group(1)
            full_en = f"{en} {AUTONOMOUS_PEOPLES[short_zh]} Autonomous Prefecture"
            aliases += [short_zh + "州", f"{en} Prefecture"]
        elif full_zh.endswith("地区"):
            short_zh, full_en = full_zh[:-2], f"{en} Prefecture"
        elif full_zh.endswith("盟"):
            short_zh, full_en = full_zh[:-1], f"{en} League"
        else:
            short_zh, full_en = full_zh[:-1], f"{en} City"
        name_en, en_ok, name_zh, _ = b.short_or_full(en, full_en, short_zh, full_zh)
        aliases += [full_zh, full_en]
        if en_ok:
            aliases += extra + no_apostrophe(en)
        pid = f"{parent}-{slug(en)}"
        prefecture_ids[code] = pid
        b.add(pid, "prefecture", parent, name_en, name_zh, aliases, code=code + "00")

    for parent, en, zh, extra_en, extra_zh in WORLD_CITIES:
        pid = f"{parent}-{slug(en)}"
        aliases = [*extra_en, *extra_zh]
        plain = latin_key(en)
        if plain != en.lower():
            aliases.append(unicodedata.normalize("NFKD", en).encode("ascii", "ignore").decode())
        b.add(pid, "city", parent, en, zh, aliases)
    b.finish_level()

    # Jiangsu's county level.
    for code, full_zh, en, extra in parse_table(JIANGSU_COUNTIES):
        parent = prefecture_ids[code[:4]]
        kind = {"区": "District", "市": "City", "县": "County"}[full_zh[-1]]
        short_zh, full_en = full_zh[:-1], f"{en} {kind}"
        name_en, en_ok, name_zh, _ = b.short_or_full(en, full_en, short_zh, full_zh)
        if len(short_zh) < 2:
            # 丰县, 沛县: "Feng" alone is no name; the joined form is the id.
            name_en, en_ok = full_en, False
        aliases = [full_zh, full_en, *extra]
        if en_ok:
            aliases += no_apostrophe(en)
        pid = f"{parent}-{slug(extra[0] if extra else en)}"
        b.add(pid, "county", parent, name_en, name_zh, aliases, code=code)
    b.finish_level()

    rows = list(b.rows.values())
    order = {"province": 1, "prefecture": 2, "county": 3}
    chinese = [r for r in rows if r["id"].startswith("cn-") and r["level"] in order]
    chinese.sort(key=lambda r: (r["code"], order[r["level"]]))
    rest = [r for r in rows if r not in chinese]
    countries = [r for r in rest if r["level"] == "country"]
    cities = [r for r in rest if r["level"] == "city"]
    cn = [r for r in countries if r["id"] == "cn"]
    return cn + chinese + [r for r in countries if r["id"] != "cn"] + cities


def check(rows: list[dict]) -> None:
    ids = {r["id"] for r in rows}
    if AMBIGUOUS - ids:
        raise ValueError(f"AMBIGUOUS names unknown ids {sorted(AMBIGUOUS - ids)}")
    for r in rows:
        if r["parent"] and r["parent"] not in ids:
            raise ValueError(f"{r['id']}: unknown parent {r['parent']}")
        if not (r["name_en"] and r["name_zh"]):
            raise ValueError(f"{r['id']}: needs English and Chinese names")
        if any(c in "".join(r.values()) for c in "\t\n"):
            raise ValueError(f"{r['id']}: a tab or newline inside a field")


def main() -> int:
    rows = build()
    check(rows)
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(r[c] for c in COLUMNS) for r in rows]
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = {}
    for r in rows:
        counts[r["level"]] = counts.get(r["level"], 0) + 1
    print(f"wrote {OUTPUT} ({len(rows)} places: {counts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
