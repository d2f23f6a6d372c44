"""The words the demo catalog is made of: variants, departments with their brands and products,
weighed goods, and edition names (posapp.demo combines them into products)."""

from __future__ import annotations

# Variant groups "中文:English,...", put before the product name; ":" is the plain product.
VARIANTS: dict[str, str] = {
    "-": ":",
    "milk": ":,低脂:Low-Fat,高钙:High-Calcium,有机:Organic,儿童:Kids'",
    "pow": ":,全脂:Whole,高钙:High-Calcium,中老年:Seniors',学生:Student",
    "yog": "原味:Plain,草莓味:Strawberry,蓝莓味:Blueberry,黄桃味:Yellow Peach,芒果味:Mango",
    "sugar": ":,无糖:Sugar-Free,低糖:Low-Sugar,茉莉:Jasmine,蜂蜜:Honey",
    "fruit": "柠檬味:Lemon,蜜桃味:Peach,葡萄味:Grape,橙味:Orange,荔枝味:Lychee,青苹果味:Green Apple",
    "coffee": "拿铁:Latte,美式:Americano,摩卡:Mocha,生椰拿铁:Coconut Latte",
    "chip": "原味:Original,番茄味:Tomato,黄瓜味:Cucumber,烧烤味:BBQ,麻辣味:Spicy,海苔味:Seaweed",
    "cookie": "原味:Original,巧克力味:Chocolate,草莓味:Strawberry,抹茶味:Matcha,花生味:Peanut",
    "seed": "原味:Original,焦糖:Caramel,山核桃味:Hickory",
    "rice": ":,东北:Northeast,长粒香:Long-Grain Fragrant,稻花香:Daohuaxiang,珍珠:Pearl",
    "flour": ":,高筋:High-Gluten,低筋:Low-Gluten,全麦:Whole-Wheat",
    "noodle": "红烧牛肉:Braised Beef,香辣牛肉:Spicy Beef,老坛酸菜:Pickled Cabbage,鲜虾鱼板:Shrimp",
    "mian": ":,鸡蛋:Egg,荞麦:Buckwheat,龙须:Thin",
    "soy": ":,特级:Premium,零添加:No-Additive,减盐:Low-Sodium,有机:Organic",
    "chili": "风味豆豉:Black Bean,油辣椒:Chili Oil,香辣:Hot & Spicy",
    "salt": ":,加碘:Iodized,无碘:Non-Iodized,低钠:Low-Sodium",
    "scent": ":,薰衣草:Lavender,柠檬:Lemon,茉莉:Jasmine,玫瑰:Rose",
    "paper": ":,原木:Virgin Pulp,竹浆:Bamboo Pulp,无香:Unscented",
    "hair": ":,去屑:Anti-Dandruff,控油:Oil-Control,柔顺:Smooth,滋养:Nourishing",
    "tooth": ":,美白:Whitening,防蛀:Anti-Cavity,清新:Fresh Breath,护龈:Gum Care",
    "egg": ":,土:Free-Range,富硒:Selenium-Rich",
    "beer": ":,纯生:Draft,小麦:Wheat,黑:Dark,精酿:Craft",
    "baijiu": "浓香型:Strong-Aroma,酱香型:Sauce-Aroma,清香型:Light-Aroma",
    "dump": "猪肉白菜:Pork & Cabbage,三鲜:Three Delicacies,韭菜鸡蛋:Chive & Egg,玉米猪肉:Corn & Pork,荠菜猪肉:Shepherd's Purse & Pork",
    "tang": "黑芝麻:Black Sesame,花生:Peanut,红豆:Red Bean",
    "ice": "香草:Vanilla,巧克力:Chocolate,抹茶:Matcha,芒果:Mango",
    "bun": "鲜肉:Pork,香菇青菜:Mushroom & Greens,豆沙:Red Bean",
}

# Department -> brands "中文:English,..." and products
# "subcategory|name|English|unit|VAT %|variant group|size price;size price[|brand indices]".
# A size "zh/en" differs between the names. Basic foods (grain, oil, milk, produce, meat, eggs) are 9%.
DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("乳制品", "光明:Bright,伊利:Yili,蒙牛:Mengniu,三元:Sanyuan,君乐宝:Junlebao,新希望:New Hope,卫岗:Weigang", (
        "牛奶|鲜牛奶|Fresh Milk|瓶|9|milk|250ml 3.9;450ml 6.9;950ml 13.9;1.5L 19.9",
        "牛奶|纯牛奶|Pure Milk|盒|9|milk|250ml 3.5;1L 12.9;250ml*12 49.9;250ml*24 89",
        "酸奶|酸奶|Yogurt|杯|13|yog|100g 3.5;200g 5.9;1kg 19.9;100g*8 22.9",
        "酸奶|酸奶饮品|Yogurt Drink|瓶|13|yog|230ml 6.5;1.1kg 18.9;230ml*10 55",
        "奶酪|奶酪棒|Cheese Sticks|包|13|yog|90g 15.9;500g 59.9|0124",
        "奶粉|奶粉|Milk Powder|袋|13|pow|400g 49.9;800g 89|0124",
    )),
    ("饮料", "农夫山泉:Nongfu Spring,怡宝:C'estbon,康师傅:Master Kong,统一:Uni-President,可口可乐:Coca-Cola,"
     "元气森林:Genki Forest,娃哈哈:Wahaha,东鹏:Eastroc", (
        "饮用水|饮用天然水|Natural Water|瓶|13|-|380ml 1.5;550ml 2;1.5L 4.5;4L 9.9;550ml*24 36|06",
        "饮用水|纯净水|Purified Water|瓶|13|-|555ml 2;1.555L 4.5;4.5L 9.9;555ml*24 36|12367",
        "饮用水|苏打水|Soda Water|瓶|13|fruit|410ml 4.5;1L 7.9;410ml*15 59|01356",
        "茶饮料|绿茶|Green Tea|瓶|13|sugar|500ml 3.5;1L 5.9;2L 8.9|023456",
        "茶饮料|乌龙茶|Oolong Tea|瓶|13|sugar|500ml 5;1L 7.9;500ml*15 65|02356",
        "茶饮料|冰红茶|Iced Black Tea|瓶|13|sugar|500ml 3.5;1L 5.9;2L 8.9|236",
        "碳酸饮料|汽水|Sparkling Drink|罐|13|fruit|330ml 3;330ml*6 16.9;330ml*24 59|2456",
        "果汁|果汁饮料|Juice Drink|瓶|13|fruit|450ml 4.5;1.25L 9.9;2L 13.9|02346",
        "功能饮料|能量饮料|Energy Drink|瓶|13|-|250ml 4.5;500ml 6;250ml*24 99|0367",
        "咖啡|即饮咖啡|Ready-to-Drink Coffee|瓶|13|coffee|268ml 6.5;450ml 9.9;268ml*15 85|0235",
    )),
    ("零食", "乐事:Lay's,三只松鼠:Three Squirrels,良品铺子:Bestore,旺旺:Want Want,奥利奥:Oreo,"
     "达利园:Daliyuan,好丽友:Orion,洽洽:ChaCha", (
        "薯片|薯片|Potato Chips|袋|13|chip|40g 4.5;70g 7.5;135g 12.9|0126",
        "饼干|夹心饼干|Sandwich Cookies|包|13|cookie|97g 6.5;194g 10.9;388g 19.9|12345",
        "饼干|苏打饼干|Soda Crackers|包|13|-|100g 4.5;400g 12.9;1kg 25.9|12356",
        "坚果|每日坚果|Daily Nuts|盒|13|-|25g*7 29.9;25g*30 99;750g 109|127",
        "坚果|瓜子|Sunflower Seeds|袋|13|seed|160g 7.9;260g 12.9;500g 21.9|127",
        "糖果|软糖|Gummy Candy|袋|13|fruit|100g 6.9;250g 14.9;500g 26.9",
        "膨化食品|米饼|Rice Crackers|袋|13|-|52g 5.5;400g 19.9;840g 39.9|0356",
        "糕点|蛋黄派|Custard Pie|盒|13|-|6枚/6 pcs 12.9;12枚/12 pcs 22.9;20枚/20 pcs 33.9|1256",
        "肉干|牛肉干|Beef Jerky|袋|13|chip|100g 29.9;250g 65|127",
    )),
    ("粮油", "金龙鱼:Arawana,福临门:Fortune,鲁花:Luhua,十月稻田:Shiyue Daotian,中粮:COFCO,五得利:Wudeli,"
     "陈克明:Chenkeming,康师傅:Master Kong,统一:Uni-President", (
        "大米|大米|Rice|袋|9|rice|1kg 9.9;2.5kg 22.9;5kg 39.9;10kg 69.9|01234",
        "面粉|小麦粉|Wheat Flour|袋|9|flour|1kg 7.9;2.5kg 16.9;5kg 29.9;10kg 55|01245",
        "食用油|花生油|Peanut Oil|桶|9|-|400ml 16.9;900ml 32.9;1.8L 59.9;5L 139|0124",
        "食用油|大豆油|Soybean Oil|桶|9|-|900ml 15.9;1.8L 29.9;5L 69.9|014",
        "食用油|菜籽油|Rapeseed Oil|桶|9|-|900ml 19.9;1.8L 35.9;5L 89.9|0124",
        "食用油|玉米油|Corn Oil|桶|9|-|900ml 21.9;1.8L 39.9;5L 99|0124",
        "挂面|挂面|Dried Noodles|包|9|mian|500g 5.5;1kg 9.9;2kg 17.9|01456",
        "杂粮|小米|Millet|袋|9|-|500g 8.9;1kg 15.9;2.5kg 35.9|0134",
        "杂粮|红豆|Red Beans|袋|9|-|500g 9.9;1kg 18.9|0134",
        "方便食品|方便面|Instant Noodles|包|13|noodle|单包/Single 3.5;5连包/5-Pack 13.9;桶装/Cup 5.5|78",
    )),
    ("调味品", "海天:Haitian,李锦记:Lee Kum Kee,老干妈:Laoganma,太太乐:Totole,恒顺:Hengshun,千禾:Qianhe,"
     "中盐:China Salt,厨邦:Chubang", (
        "酱油|生抽|Light Soy Sauce|瓶|13|soy|500ml 9.9;1.28L 19.9;1.9L 26.9|0157",
        "酱油|老抽|Dark Soy Sauce|瓶|13|soy|500ml 10.5;1.28L 21.9;1.9L 28.9|0157",
        "醋|陈醋|Aged Vinegar|瓶|13|-|500ml 8.5;800ml 12.9;1.5L 19.9|0457",
        "醋|香醋|Fragrant Vinegar|瓶|13|-|500ml 7.5;800ml 11.9|0457",
        "调味料|鸡精|Chicken Bouillon|袋|13|-|200g 9.9;454g 18.9;1kg 36.9|0137",
        "酱料|辣椒酱|Chili Sauce|瓶|13|chili|210g 8.9;280g 10.5;700g 22.9|012",
        "酱料|蚝油|Oyster Sauce|瓶|13|-|510g 12.9;700g 16.9;2.27kg 45|017",
        "酱料|黄豆酱|Soybean Paste|瓶|13|-|340g 6.9;800g 13.9|0157",
        "调味料|食用盐|Table Salt|袋|9|salt|250g 1.8;400g 2.5;1kg 5.5|6",
        "调味料|白砂糖|White Sugar|袋|13|-|500g 6.5;1kg 11.9|6",
        "调味料|料酒|Cooking Wine|瓶|13|-|500ml 6.9;1.75L 15.9|0457",
    )),
    ("日用品", "蓝月亮:Bluemoon,立白:Liby,维达:Vinda,清风:Breeze,心相印:Hearttex,洁柔:C&S,超能:Chaoneng,威露士:Walch", (
        "纸品|卷纸|Toilet Paper|提|13|paper|10卷/10 Rolls 25.9;12卷/12 Rolls 29.9;27卷/27 Rolls 59.9|2345",
        "纸品|抽纸|Facial Tissues|提|13|paper|3包/3 Packs 12.9;6包/6 Packs 23.9;18包/18 Packs 59.9|2345",
        "纸品|手帕纸|Pocket Tissues|包|13|paper|10包/10 Packs 5.9;30包/30 Packs 15.9|2345",
        "纸品|湿巾|Wet Wipes|包|13|scent|10片/10 pcs 2.5;80片/80 pcs 9.9|2345",
        "洗涤用品|洗衣液|Laundry Detergent|瓶|13|scent|1kg 19.9;2kg 35.9;3kg 49.9|0167",
        "洗涤用品|洗洁精|Dish Soap|瓶|13|scent|500g 6.9;1.29kg 13.9;2kg 19.9|0167",
        "洗涤用品|洗衣粉|Washing Powder|袋|13|scent|1.5kg 16.9;3kg 29.9|16",
        "洗涤用品|洗衣凝珠|Laundry Pods|盒|13|scent|30颗/30 pcs 39.9;52颗/52 pcs 59.9|0167",
        "清洁用品|消毒液|Disinfectant|瓶|13|-|1L 25.9;2.5L 49.9|07",
        "家居用品|垃圾袋|Garbage Bags|卷|13|-|30只/30 pcs 5.9;100只/100 pcs 15.9|01",
    )),
    ("个人护理", "海飞丝:Head & Shoulders,舒肤佳:Safeguard,高露洁:Colgate,云南白药:Yunnan Baiyao,佳洁士:Crest,"
     "六神:Liushen,飘柔:Rejoice,清扬:Clear", (
        "洗发护发|洗发水|Shampoo|瓶|13|hair|200ml 22.9;400ml 39.9;750ml 59.9|067",
        "洗发护发|护发素|Conditioner|瓶|13|hair|200ml 24.9;400ml 42.9;750ml 62.9|067",
        "沐浴清洁|沐浴露|Body Wash|瓶|13|scent|400ml 25.9;720ml 39.9;1L 49.9|15",
        "沐浴清洁|香皂|Soap|块|13|scent|115g 5.5;115g*3 14.9|15",
        "沐浴清洁|洗手液|Hand Wash|瓶|13|scent|300ml 12.9;500ml 18.9|15",
        "口腔护理|牙膏|Toothpaste|支|13|tooth|90g 9.9;120g 12.9;180g 19.9|234",
        "口腔护理|牙刷|Toothbrush|支|13|-|软毛/Soft 9.9;软毛*3/Soft x3 19.9|234",
        "口腔护理|漱口水|Mouthwash|瓶|13|tooth|250ml 19.9;500ml 32.9|234",
        "护肤|花露水|Floral Water|瓶|13|-|95ml 9.9;195ml 15.9|5",
        "护肤|护手霜|Hand Cream|支|13|scent|50g 12.9;80g 18.9|15",
    )),
    ("生鲜果蔬", "本地:Local,山东:Shandong,云南:Yunnan,海南:Hainan,新疆:Xinjiang,烟台:Yantai,赣南:Gannan,有机农场:Organic Farm", (
        "水果|圣女果|Cherry Tomatoes|盒|9|-|250g 6.9;500g 12.9|0127",
        "水果|蓝莓|Blueberries|盒|9|-|125g 19.9;250g 35.9|27",
        "水果|脐橙|Navel Oranges|袋|9|-|2.5kg 29.9;5kg 49.9|6",
        "水果|苹果|Apples|袋|9|-|4个/4 pcs 15.9;8个/8 pcs 29.9|0157",
        "水果|哈密瓜|Hami Melon|个|9|-|约1.5kg/approx. 1.5kg 19.9|4",
        "蔬菜|西兰花|Broccoli|个|9|-|约400g/approx. 400g 5.9|0127",
        "蔬菜|生菜|Lettuce|袋|9|-|300g 4.5;500g 6.9|0127",
        "蔬菜|香菇|Shiitake Mushrooms|盒|9|-|200g 7.9;400g 13.9|027",
        "蔬菜|玉米|Sweet Corn|袋|9|-|2根/2 ears 6.9;4根/4 ears 12.9|0347",
        "蔬菜|菠菜|Spinach|袋|9|-|300g 4.9;500g 7.5|017",
    )),
    ("肉禽蛋", "双汇:Shuanghui,雨润:Yurun,金锣:Jinluo,正大:CP,圣农:Sunner,德青源:DQY,温氏:Wens", (
        "猪肉|冷鲜猪里脊|Chilled Pork Tenderloin|盒|9|-|400g 19.9;1kg 45.9|0126",
        "猪肉|冷鲜猪肉馅|Chilled Minced Pork|盒|9|-|300g 13.9;500g 21.9|0126",
        "禽肉|鸡翅中|Chicken Mid-Wings|盒|9|-|500g 29.9;1kg 55.9|346",
        "禽肉|鸡胸肉|Chicken Breast|盒|9|-|500g 13.9;1kg 25.9|346",
        "禽肉|琵琶腿|Chicken Drumsticks|袋|9|-|500g 15.9;1kg 28.9|346",
        "蛋类|鲜鸡蛋|Fresh Eggs|盒|9|egg|10枚/10 pcs 12.9;15枚/15 pcs 18.9;30枚/30 pcs 29.9|356",
        "肉制品|火腿肠|Ham Sausage|包|13|-|30g*10 9.9;270g 12.9;40g*10 13.9|012",
        "肉制品|培根|Bacon|包|13|-|150g 15.9;400g 35.9|0123",
        "牛羊肉|牛腱子|Beef Shank|盒|9|-|500g 49.9;1kg 95|0123",
    )),
    ("酒类", "青岛:Tsingtao,雪花:Snow,百威:Budweiser,燕京:Yanjing,茅台:Moutai,五粮液:Wuliangye,洋河:Yanghe,"
     "张裕:Changyu,长城:Great Wall,古越龙山:Guyue Longshan", (
        "啤酒|啤酒|Beer|罐|13|beer|330ml 4.5;500ml 6.5;330ml*6 25.9;500ml*12 69|0123",
        "白酒|白酒|Baijiu|瓶|13|baijiu|100ml 39.9;250ml 129;500ml 499;500ml*2 998|456",
        "葡萄酒|干红葡萄酒|Dry Red Wine|瓶|13|-|187ml 25;750ml 89;750ml*6 499|78",
        "葡萄酒|干白葡萄酒|Dry White Wine|瓶|13|-|375ml 45;750ml 79|78",
        "黄酒|花雕酒|Huadiao Rice Wine|瓶|13|-|500ml 19.9;2.5L 69|9",
    )),
    ("冷冻食品", "思念:Synear,三全:Sanquan,湾仔码头:Wanchai Ferry,安井:Anjoy,梦龙:Magnum,伊利:Yili,蒙牛:Mengniu", (
        "速冻水饺|水饺|Dumplings|袋|13|dump|500g 15.9;1kg 27.9;1.5kg 39.9|012",
        "速冻水饺|馄饨|Wontons|袋|13|dump|500g 16.9;1kg 29.9|012",
        "速冻汤圆|汤圆|Glutinous Rice Balls|袋|13|tang|400g 12.9;1kg 25.9|012",
        "火锅丸料|鱼丸|Fish Balls|袋|13|-|240g 9.9;500g 17.9;1kg 32.9|13",
        "火锅丸料|撒尿牛丸|Beef Balls|袋|13|-|240g 12.9;500g 22.9;1kg 42.9|13",
        "冰淇淋|冰淇淋|Ice Cream|支|13|ice|80g 6.5;4支装/4-Pack 25.9;桶装/Tub 39.9|456",
        "速冻面点|包子|Steamed Buns|袋|13|bun|6只/6 pcs 15.9;12只/12 pcs 27.9|0123",
        "速冻面点|手抓饼|Scallion Pancakes|袋|13|-|5片/5 pcs 12.9;10片/10 pcs 22.9|0123",
    )),
)

# Weighed goods, priced per kg: department, origins or producers, "subcategory|name|English|VAT %|price".
WEIGHED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("生鲜果蔬", "本地:Local,山东:Shandong,云南:Yunnan,海南:Hainan,新疆:Xinjiang,烟台:Yantai", (
        "水果|红富士苹果|Fuji Apples|9|9.9", "水果|香蕉|Bananas|9|6.9", "水果|砂糖橘|Mandarins|9|8.9",
        "水果|葡萄|Grapes|9|15.9", "水果|西瓜|Watermelon|9|3.9", "水果|芒果|Mangoes|9|16.9",
        "蔬菜|西红柿|Tomatoes|9|7.9", "蔬菜|黄瓜|Cucumbers|9|5.9", "蔬菜|土豆|Potatoes|9|3.9",
        "蔬菜|大白菜|Napa Cabbage|9|2.9", "蔬菜|胡萝卜|Carrots|9|3.5", "蔬菜|青椒|Green Peppers|9|8.9",
    )),
    ("肉禽蛋", "冷鲜:Chilled,本地:Local,精选:Select,散养:Free-Range", (
        "猪肉|猪五花肉|Pork Belly|9|32.9", "猪肉|猪肋排|Pork Ribs|9|45.9", "猪肉|猪里脊|Pork Tenderloin|9|29.9",
        "牛羊肉|牛腩|Beef Brisket|9|79.9", "牛羊肉|羊腿肉|Lamb Leg|9|69.9", "禽肉|鸡腿|Chicken Drumsticks|9|19.9",
    )),
    ("零食", "精选:Select,特级:Premium,新货:New Crop,原味:Original", (
        "散装坚果|开心果|Pistachios|13|89.9", "散装坚果|腰果|Cashews|13|79.9", "散装坚果|碧根果|Pecans|13|69.9",
        "散装坚果|巴旦木|Almonds|13|59.9", "散装坚果|花生|Peanuts|13|19.9", "散装坚果|瓜子|Sunflower Seeds|13|29.9",
    )),
)

# When every combination has been used, later rounds are told apart by an edition name.
EDITIONS = (("新包装", "New Pack"), ("升级版", "Upgraded"), ("促销装", "Promo Pack"), ("家庭装", "Family Pack"),
            ("经典款", "Classic"), ("限定版", "Limited Edition"), ("礼盒装", "Gift Box"), ("组合装", "Combo Pack"))
