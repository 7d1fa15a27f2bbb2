"""Unit tests of the extraction components, each on a short fictional sentence."""
from __future__ import annotations

import pytest

from kg.extract.dates import dates_in, find_date
from kg.extract.honours import find_awards, find_quotes
from kg.extract.orgs import company_prefixes, find_units
from kg.extract.people import extend_lists, find_people, find_titles, plausible_name
from kg.extract.pipeline import COMPONENTS, extract, make_nlp, process
from kg.extract.reader import make_document
from kg.extract.resolve import is_abbreviation
from kg.extract.view import TextView, split_sentences


def view(text: str) -> TextView:
    return TextView.of(make_nlp().make_doc(text))


# -- tokenizer and view -------------------------------------------------------------

def test_tokenizer_covers_text_and_tags_names():
    doc = make_nlp().make_doc("张明在北京工作")
    assert "".join(t.text for t in doc) == "张明在北京工作"
    assert {t.text: t.tag_ for t in doc}["北京"] == "ns"


def test_sentences_keep_closing_quotes():
    text = "他说：“好。”然后走了！\n第二行"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["他说：“好。”", "然后走了！", "第二行"]


# -- units ------------------------------------------------------------------------------

def test_nested_unit_split_into_levels():
    units = find_units(view("七一前夕,华北分公司第三氧化铝厂党委荣获表彰。"))
    assert [u.level_names() for u in units] == [["华北分公司", "华北分公司第三氧化铝厂", "华北分公司第三氧化铝厂党委"]]
    assert units[0].classes == ["BranchCompany", "Plant", "PartyCommittee"]


def test_anaphoric_company_and_bare_party_body():
    units = find_units(view("公司党组命名表彰了先进。"))
    assert units[0].anaphor == "公司"
    assert units[0].level_names() == ["公司", "公司党组"]


@pytest.mark.parametrize("text", [
    "率先构建世界一流矿业公司发展目标。",  # evaluative words
    "基层党支部全面落实各项举措。",  # generic descriptor
    "推动中心工作和重点任务的完成。",  # 中心工作 is not a unit
    "各级干部要服务大局。",  # 干部, 大局 end like units
    "设立党员责任区和先锋岗。",  # 责任区
])
def test_descriptions_are_not_units(text):
    assert find_units(view(text)) == []


def test_unit_after_cue_verb_does_not_swallow_the_verb():
    units = find_units(view("集团党委授予炼钢厂连铸车间团支部荣誉。"))
    assert [u.level_names()[-1] for u in units] == ["集团党委", "炼钢厂连铸车间团支部"]


def test_company_heads_open_nested_names():
    v = view("宏达钢铁股份有限公司表彰先进。宏达钢铁炼铁厂高炉车间获奖。")
    first = find_units(v, prefixes=())
    assert "宏达钢铁" in company_prefixes(v.text, first)
    nested = [u for u in find_units(v) if u.text.startswith("宏达钢铁炼铁厂")][0]
    assert nested.level_names() == ["宏达钢铁", "宏达钢铁炼铁厂", "宏达钢铁炼铁厂高炉车间"]


def test_external_bodies_are_marked():
    units = find_units(view("省总工会授予检修班荣誉。"))
    assert units[0].external and not units[1].external


# -- people and posts ----------------------------------------------------------------------

def test_title_before_rare_name():
    v = view("检修厂厂长亓德昌在会上讲话。")
    people = find_people(v, find_titles(v), find_units(v))
    assert [(p.name, p.title) for p in people] == [("亓德昌", "厂长")]


def test_name_before_title_and_combined_posts():
    v = view("党委书记、董事长逄立新出席，韩东升总经理主持。")
    people = {p.name: p.titles for p in find_people(v, find_titles(v))}
    assert people == {"逄立新": ("党委书记", "董事长"), "韩东升": ("总经理",)}


def test_comrade_and_name_lists():
    v = view("向禚海波同志、吕晓梅等学习。")
    names = [p.name for p in extend_lists(v, find_people(v, find_titles(v)))]
    assert names == ["禚海波", "吕晓梅"]


@pytest.mark.parametrize("word", ["高标准", "方面", "全面", "安排", "同志"])
def test_common_words_are_not_names(word):
    assert not plausible_name(word)


# -- honours and awards ------------------------------------------------------------------------

def test_quotes_found_in_all_styles():
    text = "“甲”「乙」『丙』"
    assert [text[a:b] for a, b in find_quotes(text)] == ["甲", "乙", "丙"]


def test_receive_list_with_unit_person_pairs():
    v = view("五一前夕，北山分公司检修厂党委荣获“先进集体”称号；华电邬明远、南方分公司汲海涛荣获“劳动模范”称号。")
    units = find_units(v)
    people = find_people(v, find_titles(v), units)
    awards = find_awards(v, units, people, "2020-05-10")
    assert [(a.honour.name, a.date) for a in awards] == [("先进集体", "2020-05"), ("劳动模范", "2020-05")]
    assert awards[0].recipients[0].text == "北山分公司检修厂党委"
    pairs = [(r.name, r.unit.text) for r in awards[1].recipients]
    assert pairs == [("邬明远", "华电"), ("汲海涛", "南方分公司")]


def test_confer_counted_and_named():
    v = view("“七一”之际，集团党委表彰20个党支部为“红旗党支部”，授予检修厂宓国栋“优秀党员”称号。")
    units = find_units(v)
    awards = find_awards(v, units, find_people(v, find_titles(v), units), "2019-07-05")
    assert [(a.honour.name, a.count, a.body.text, a.date) for a in awards] == [
        ("红旗党支部", 20, "集团党委", "2019-07-01"),
        ("优秀党员", None, "集团党委", "2019-07-01"),
    ]
    assert awards[1].recipients[0].name == "宓国栋"


def test_slogans_in_quotes_are_not_honours():
    v = view("公司开展“三个一”活动，落实“十四五”规划。")
    assert find_awards(v, find_units(v), [], None) == []


# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("七一前夕", "2011-07"),
    ("“七一”之际", "2011-07-01"),
    ("国庆前夕", "2011-10"),
    ("6月28日", "2011-06-28"),
    ("2010年12月", "2010-12"),
    ("今年", "2011"),
])
def test_dates(text, expected):
    assert find_date(text, 0, len(text), "2011-09-16") == expected


def test_bare_festival_words_are_not_dates():
    assert dates_in("第十一届", "2011-09-16") == ()


# -- resolution -------------------------------------------------------------------------------

@pytest.mark.parametrize("short,full,expected", [
    ("中钢公司", "中国钢铁公司", True),
    ("北岭集团", "北岭集团有限公司", True),
    ("北京公司", "华北电力公司", False),
    ("钢铁公司", "中国钢铁集团", False),
])
def test_abbreviations(short, full, expected):
    assert is_abbreviation(short, full) is expected


def test_publisher_resolves_company_anaphora():
    text = "北岭钢铁有限公司召开大会。公司党委书记、董事长芮成刚讲话。北钢公司表彰了先进。"
    facts = extract(make_document("d", text))
    assert facts.publisher == "Organization:北岭钢铁有限公司"
    names = {e.name for e in facts.entities.values()}
    assert "北钢公司" not in names and "北钢公司" in facts.entities["Organization:北岭钢铁有限公司"].aliases
    posts = {(r.s, r.post, r.o) for r in facts.relations if r.p == "holdsPost"}
    assert ("Person:芮成刚", "党委书记", "Organization:北岭钢铁有限公司") in posts


def test_declared_short_form_is_an_alias():
    text = "东川化工集团有限公司(以下简称“东川集团”)召开会议，东川集团党委表彰先进。"
    facts = extract(make_document("d", text))
    company = facts.entities["Organization:东川化工集团有限公司"]
    assert "东川集团" in company.aliases
    assert ("Organization:东川集团党委", "subOrganizationOf", "Organization:东川化工集团有限公司") in {
        (r.s, r.p, r.o) for r in facts.relations}


# -- the pipeline --------------------------------------------------------------------------------

def test_pipeline_components_and_spans():
    nlp = make_nlp()
    assert tuple(nlp.pipe_names) == COMPONENTS
    doc = process(make_document("d", "檢修廠廠長亓德昌榮(róng)獲“勞動模範”稱號。"))
    assert {sp.text for sp in doc.spans["person"]} == {"亓德昌"}
    assert {sp.label_ for sp in doc.ents} == {"PERSON", "ORG", "HONOUR"}


def test_mentions_point_into_the_original_text():
    text = "標題\n來源: 宣傳部時間: 2020-01-02\n七一前夕，北山分公司檢(jiǎn)修廠黨委榮獲“先進集體”稱號。"
    document = make_document("d", text)
    facts = extract(document)
    for entity in facts.entities.values():
        for m in entity.mentions:
            assert text[m.start:m.end] == m.text
    honour = facts.entities["Honour:先进集体"]
    assert honour.label_hant == "先進集體"
    plant = facts.entities["Organization:北山分公司检修厂"]
    assert plant.mentions[0].text == "北山分公司檢(jiǎn)修廠"


def test_this_company_is_the_last_named_one():
    text = "北山电力公司南湖供电公司荣获“先进集体”称号，该公司员工邬明荣获“劳动模范”称号。"
    relations = {(r["s"], r["p"], r["o"]) for r in extract(make_document("d", text)).gold_relations()}
    assert ("Person:邬明", "memberOf", "Organization:北山电力公司南湖供电公司") in relations


def test_recipients_listed_after_the_honour():
    text = "荣获“全国文明单位”称号的有：北方机械厂、南方电机厂。"
    relations = {(r["s"], r["o"]) for r in extract(make_document("d", text)).gold_relations()}
    assert relations == {("Organization:北方机械厂", "Honour:全国文明单位"), ("Organization:南方电机厂", "Honour:全国文明单位")}


def test_counted_tail_and_continued_subject():
    facts = extract(make_document("d", "经集团党委研究，授予王芳、赵磊、孙伟3名同志“优秀共产党员”称号。"))
    assert sorted(r["s"] for r in facts.gold_relations() if r["p"] == "awardReceived") == [
        "Person:孙伟", "Person:王芳", "Person:赵磊"]


def test_bracketed_post_after_a_name():
    facts = extract(make_document("d", "王晓东（北方电力公司党委书记）出席会议。"))
    assert [(r.s, r.post, r.o) for r in facts.relations if r.p == "holdsPost"] == [
        ("Person:王晓东", "党委书记", "Organization:北方电力公司")]


def test_commendation_with_counts_inside_dui():
    facts = extract(make_document("d", "集团党委对15个先进单位、60名先进个人进行了表彰。"))
    assert sorted((a.honour, a.count, a.conferred_by) for a in facts.awards) == [
        ("Honour:先进个人", 60, "Organization:集团党委"), ("Honour:先进单位", 15, "Organization:集团党委")]


def test_time_spans_between_recipient_and_cue():
    facts = extract(make_document("d", "东港集团连续三年被评为全国文明单位。"))
    assert [(r["s"], r["o"]) for r in facts.gold_relations()] == [("Organization:东港集团", "Honour:全国文明单位")]
