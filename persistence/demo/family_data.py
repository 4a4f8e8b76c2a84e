"""Curated demo data for families: grandparents, care notes and family circumstances.

Companion to ``name_data`` for what the demo seed needs beyond a person's name.
Every text is invented; the circumstances are the kinds a ward's filing records.
Order matters: the seed draws by index, so reordering a list changes the demo.
"""

from __future__ import annotations

Reading = tuple[str, str]  # (written form, katakana reading)

# fmt: off

# Given names of the grandparents' generation (born 1945–1965).
GRANDFATHER_NAMES: tuple[Reading, ...] = (
    ("隆", "タカシ"), ("博", "ヒロシ"), ("茂", "シゲル"), ("誠", "マコト"), ("清", "キヨシ"),
    ("勝", "マサル"), ("正夫", "マサオ"), ("和夫", "カズオ"), ("進", "ススム"), ("修", "オサム"),
    ("明", "アキラ"), ("豊", "ユタカ"),
)
GRANDMOTHER_NAMES: tuple[Reading, ...] = (
    ("和子", "カズコ"), ("洋子", "ヨウコ"), ("幸子", "サチコ"), ("節子", "セツコ"),
    ("恵子", "ケイコ"), ("京子", "キョウコ"), ("久美子", "クミコ"), ("順子", "ジュンコ"),
    ("由美子", "ユミコ"), ("智子", "トモコ"), ("美智子", "ミチコ"), ("悦子", "エツコ"),
)

# Child special-care items beyond health and allergies.
GROWTH_NOTES: tuple[str, ...] = (
    "体重の増えがゆるやか。3か月ごとに計測して経過観察。",
    "言葉の発達がゆっくり。区の発達相談を利用中。",
    "身長が成長曲線の下限付近。かかりつけ医で経過観察。",
    "歩行開始がやや遅め。理学療法士の助言を受けている。",
    "発達支援センターに月2回通所。",
)
CARE_NOTES: tuple[str, ...] = (
    "午睡の寝つきに時間がかかる。背中をさすると落ち着く。",
    "偏食あり。野菜は少量から。",
    "大きな音が苦手。避難訓練の前に声かけを。",
    "登園時に泣くことが多いが、すぐに落ち着く。",
    "トイレトレーニング中。",
    "日本語はまだ少し。家庭では母語で会話。",
    "左利き。食具の配置に配慮。",
    "食事に時間がかかる。",
)

# Guardian special-care items. Single parents are recorded separately.
SINGLE_MOTHER = "ひとり親家庭（母子家庭）。"
SINGLE_FATHER = "ひとり親家庭（父子家庭）。"
FAMILY_SITUATIONS: tuple[str, ...] = (
    "生活保護受給中。",
    "父が単身赴任中。平日は母のみ。",
    "祖父の介護のため、母が週2回実家に通っている。",
    "第3子を妊娠中（出産予定は年度末）。",
    "夜間勤務あり。延長保育を利用。",
    "子ども家庭支援センターが見守り中。",
)
ILLNESSES: tuple[str, ...] = (
    "うつ病で通院中。体調により送迎を祖母に依頼することがある。",
    "持病（糖尿病）のため定期通院あり。",
    "腰椎椎間板ヘルニアで通院中。抱っこが難しい日がある。",
    "産後の体調不良で療養中。",
)
DISABILITIES: tuple[str, ...] = (
    "聴覚障害あり（身体障害者手帳2級）。連絡は書面・メールで。",
    "下肢障害あり。車いすを使用。",
    "視覚障害あり。お便りは拡大文字で。",
)
RESIDENCE_SITUATIONS: tuple[str, ...] = (
    "区営住宅に居住。",
    "年度内に区外へ転出予定。",
    "住民票は区外（区内に仮住まい中）。",
    "社宅に居住。",
)
FOREIGN_RESIDENCE_SITUATIONS: tuple[str, ...] = (
    "在留資格「永住者」。",
    "在留資格「家族滞在」。更新手続き中。",
    "在留資格「技術・人文知識・国際業務」。",
    "在留資格「日本人の配偶者等」。",
)

# Why a guardian may not collect the child: kept encrypted, shown only to staff.
PICKUP_RESTRICTIONS: tuple[str, ...] = (
    "家庭裁判所の審判により引き渡し不可（離婚調停中）。",
    "保護命令（接近禁止）あり。来園時は園長へ連絡し警察に通報。",
    "別居中。母の同意がない限り引き渡さない。",
)

# fmt: on
