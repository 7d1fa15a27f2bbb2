"""Reading documents: encodings, header metadata, corpora, and bad input."""
from __future__ import annotations

import codecs
import json
import warnings
from pathlib import Path

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.extract.normalize import to_simplified
from kg.extract.reader import InputError, decode_bytes, parse_date, parse_header, read_documents

SEEDS = Path(__file__).parents[2] / "shared" / "seeds"

HANT = "青禾機械廠表彰先進集體\n來源：廠辦公室　時間：2020年5月4日　作者：林小河\n廠黨委授予鑄造車間“先進黨支部”稱號。\n"
HANS = "青禾机械厂表彰先进集体\n来源：厂办公室　时间：2020年5月4日　作者：林小河\n厂党委授予铸造车间“先进党支部”称号。\n"


def read_one(path, **kwargs):
    docs = list(read_documents(path, strict=True, **kwargs))
    assert len(docs) == 1
    return docs[0]


def collect(paths):
    """(documents, errors) read leniently."""
    errors = []
    docs = list(read_documents(paths, on_error=errors.append))
    return docs, errors


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "text, encoding, data",
    [
        (HANS, "utf-8", HANS.encode("utf-8")),
        (HANS, "gb18030", HANS.encode("gb18030")),
        (HANT, "gb18030", HANT.encode("gb18030")),  # Traditional text in a GB file
        (HANT, "big5", HANT.encode("big5")),
        (HANT, "utf-8-sig", codecs.BOM_UTF8 + HANT.encode("utf-8")),
        (HANT, "utf-16-le", codecs.BOM_UTF16_LE + HANT.encode("utf-16-le")),
        (HANS, "utf-16-be", codecs.BOM_UTF16_BE + HANS.encode("utf-16-be")),
        (HANS, "utf-32-le", codecs.BOM_UTF32_LE + HANS.encode("utf-32-le")),
    ],
)
def test_encodings_are_detected(tmp_path, text, encoding, data):
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    doc = read_one(path)
    assert doc.text == text
    assert doc.encoding == encoding
    assert doc.date == "2020-05-04" and doc.author == "林小河"


def test_big5_with_microsoft_extensions(tmp_path):
    path = tmp_path / "price.txt"
    path.write_bytes("青禾機械廠採購價格：一百€".encode("cp950"))
    doc = read_one(path)
    assert doc.encoding == "cp950" and doc.text.endswith("一百€")


@pytest.mark.parametrize(
    "sentence",
    ["工会", "青禾机械厂", "林小河同志获得劳动模范称号", "公司党委召开会议，号召各级党组织认真学习。"],
)
def test_gb_and_big5_are_told_apart(sentence):
    hant = opencc.OpenCC("s2t").convert(sentence)
    assert hant != sentence
    assert decode_bytes(sentence.encode("gb18030")) == (sentence, "gb18030")
    assert decode_bytes(hant.encode("gb18030")) == (hant, "gb18030")
    assert decode_bytes(hant.encode("big5")) == (hant, "big5")


def test_newlines_are_normalised_before_offsets(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(HANS.replace("\n", "\r\n").encode("gb18030") + "末行\r舊式換行".encode("gb18030"))
    doc = read_one(path)
    assert "\r" not in doc.text
    assert doc.text == HANS + "末行\n舊式換行"
    assert doc.title == "青禾机械厂表彰先进集体" and doc.source == "厂办公室"
    start = doc.text.index("铸造车间")  # offsets count in the normalised text
    assert doc.text[start:start + 4] == "铸造车间"


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc"))))
def test_any_utf8_text_round_trips(text):
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == (text, "utf-16-le")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("青禾".encode("utf-8") + b"\x00\x01\x02", "binary"),
        (b"\x01\x02\x03\x04\x05\x06 plain \x07\x08\x0e\x0f", "binary"),
        (b"report \xff\xfe\xff\x80 end", "undecodable"),
        (codecs.BOM_UTF8 + b"\xff\xff", "invalid utf-8-sig"),
    ],
)
def test_binary_and_undecodable_files_name_the_file(tmp_path, data, reason):
    path = tmp_path / "broken.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        list(read_documents(path, strict=True))
    assert info.value.path == str(path)
    assert reason in info.value.reason
    assert str(info.value) == f"{path}: {info.value.reason}"


def test_bad_files_are_reported_and_the_rest_read(tmp_path):
    (tmp_path / "a.txt").write_text(HANS, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "c.txt").write_bytes(HANT.encode("big5"))
    docs, errors = collect(tmp_path)
    assert [d.id for d in docs] == ["a", "c"]
    assert [e.path for e in errors] == [str(tmp_path / "b.txt")]
    with pytest.raises(InputError, match="b.txt"):
        list(read_documents(tmp_path, strict=True))


def test_errors_become_warnings_without_a_handler(tmp_path):
    missing = tmp_path / "missing.txt"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert list(read_documents(missing)) == []
    assert [str(w.message) for w in caught] == [f"{missing}: no such file or directory"]


def test_missing_path_and_empty_directory(tmp_path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.md").write_text("not a report", encoding="utf-8")
    docs, errors = collect([tmp_path / "nope.txt", empty])
    assert docs == []
    assert [(e.path, e.reason) for e in errors] == [
        (str(tmp_path / "nope.txt"), "no such file or directory"),
        (str(empty), "directory contains no .txt files"),
    ]


def test_empty_file_gives_an_empty_document(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_bytes(b"")
    doc = read_one(path)
    assert doc.text == "" and doc.title is None and doc.id == "blank"


# ---------------------------------------------------------------- directories


def test_directories_are_read_recursively_in_sorted_order(tmp_path):
    for name in ["b.txt", "a/z.txt", "a/b/c.txt", "a/0.TXT", "skip.md", "a/b/data.json"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}標題\n正文", encoding="utf-8")
    (tmp_path / "dir.txt").mkdir()  # a directory that looks like a file
    docs = list(read_documents(tmp_path, strict=True))
    assert [d.id for d in docs] == ["a/0", "a/b/c", "a/z", "b"]
    assert docs[1].path == str(tmp_path / "a" / "b" / "c.txt")
    assert docs[1].title == "a/b/c.txt標題"
    # A single file's id is its stem.
    assert read_one(tmp_path / "a" / "z.txt").id == "z"


def test_duplicate_ids_across_inputs_are_reported(tmp_path):
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "news.txt").write_text(HANS, encoding="utf-8")
    docs, errors = collect([tmp_path / "one" / "news.txt", tmp_path / "two" / "news.txt"])
    assert [d.path for d in docs] == [str(tmp_path / "one" / "news.txt")]
    assert errors[0].path == str(tmp_path / "two" / "news.txt") and "duplicate document id 'news'" in errors[0].reason


# ---------------------------------------------------------------- jsonl


def write_jsonl(path: Path, lines: list, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding=encoding)
    return path


def test_jsonl_fields_override_the_header(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": "n1", "text": HANT},
        {"id": "n2", "text": HANS.replace("\n", "\r\n"), "date": "2021年3月8日", "source": "宣传部",
         "author": None, "url": "https://example.org/n2"},
        "",
        {"id": "n3", "text": "白鹭河电力公司", "title": "白鹭河简讯", "date": "2021-03"},
    ], encoding="utf-8-sig")  # a byte-order mark before the first line is allowed
    docs = list(read_documents(corpus, strict=True))
    assert [d.id for d in docs] == ["n1", "n2", "n3"]
    n1, n2, n3 = docs
    assert (n1.title, n1.source, n1.date, n1.script) == ("青禾機械廠表彰先進集體", "廠辦公室", "2020-05-04", "Hant")
    assert (n2.source, n2.date, n2.author, n2.url) == ("宣传部", "2021-03-08", "林小河", "https://example.org/n2")
    assert "\r" not in n2.text and n2.script == "Hans" and n2.path == str(corpus)
    assert (n3.title, n3.date) == ("白鹭河简讯", "2021-03")


def test_malformed_jsonl_lines_are_reported_by_number(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": "ok1", "text": "第一篇"},
        '{"id": "broken", "text": ',
        '["a list"]',
        {"text": "no id"},
        {"id": 7, "text": "numeric id"},
        {"id": "t", "text": 5},
        {"id": "d", "text": "x", "date": "someday"},
        {"id": "ok1", "text": "again"},
        {"id": "ok2", "text": "第二篇", "title": ["not", "text"]},
        {"id": "ok3", "text": "第三篇"},
    ])
    with corpus.open("ab") as f:
        f.write(b'{"id": "gb", "text": "\xb9\xa4\xbb\xe1"}\n')  # GB bytes inside a jsonl line
    docs, errors = collect(corpus)
    assert [d.id for d in docs] == ["ok1", "ok3"]
    reasons = [e.reason for e in errors]
    assert [r.split(":")[0] for r in reasons] == [f"line {n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 11)]
    assert "invalid JSON" in reasons[0]
    assert "expected a JSON object" in reasons[1]
    assert "'id' missing" in reasons[2] and "'id' missing" in reasons[3]
    assert "'text' missing" in reasons[4]
    assert "'someday' is not a date" in reasons[5]
    assert "duplicate id 'ok1' (first on line 1)" in reasons[6]
    assert "'title' is not a string" in reasons[7]
    assert "not UTF-8" in reasons[8]
    assert all(e.path == str(corpus) for e in errors)
    with pytest.raises(InputError, match=r"corpus.jsonl: line 2: invalid JSON"):
        list(read_documents(corpus, strict=True))


def test_jsonl_is_streamed(tmp_path):
    corpus = write_jsonl(tmp_path / "big.jsonl", [{"id": "d0", "text": "第一篇"}, {"id": "d1", "text": "第二篇"}, "{"])
    documents = read_documents(corpus, strict=True)
    # Documents before the broken line come out before the error is found.
    assert [next(documents).id, next(documents).id] == ["d0", "d1"]
    with pytest.raises(InputError, match="line 3"):
        next(documents)


# ---------------------------------------------------------------- header


@pytest.mark.parametrize(
    "header, expected",
    [
        ("來源: 黨群工作部時間: 2011-09-16作者: 管理員",
         {"source": "黨群工作部", "date": "2011-09-16", "author": "管理員"}),
        ("来源：党群工作部　时间：2011-09-16　作者：管理员",
         {"source": "党群工作部", "date": "2011-09-16", "author": "管理员"}),
        ("发布单位：白鹭河电力公司 | 发布时间：2011年9月16日 08:30 | 编辑：周一帆",
         {"source": "白鹭河电力公司", "date": "2011-09-16", "author": "周一帆"}),
        ("發佈單位：青禾機械廠｜發佈時間：2011/9/16 14:05｜責任編輯：周一帆",
         {"source": "青禾機械廠", "date": "2011-09-16", "author": "周一帆"}),
        ("日期:2011.09.16 來源:廠辦 點擊數:120", {"date": "2011-09-16", "source": "廠辦"}),
        ("【来源：团委】【作者：林小河】【时间：二〇一一年九月十六日】【编辑：周一帆】",
         {"source": "团委", "date": "2011-09-16", "author": "林小河"}),  # 作者 preferred over 编辑
        ("时间：２０１１年９月", {"date": "2011-09"}),
        ("来源：厂办 时间：不详", {"source": "厂办"}),
    ],
)
def test_header_formats(header, expected):
    parsed = parse_header(f"青禾机械厂简讯\n{header}\n正文第一段。")
    assert parsed == {"title": "青禾机械厂简讯", **expected}


def test_header_on_separate_lines_and_before_the_title():
    text = "\n\n发布时间：2012-01-02\n  青禾機械廠(chǎng)年會  \n來源：工會\n作者：林小河\n正文。\n時間：2013-05-06\n"
    assert parse_header(text) == {"date": "2012-01-02", "title": "青禾機械廠年會", "source": "工會", "author": "林小河"}


def test_body_lines_are_not_header():
    text = "通知\n各單位：\n會議時間：2012年3月4日\n地點：禮堂\n時間：2012年3月5日"
    assert parse_header(text) == {"title": "通知"}
    assert parse_header("") == {}
    assert parse_header("來源：" + "長" * 300) == {"title": "來源：" + "長" * 300}


@pytest.mark.parametrize(
    "written, iso",
    [
        ("2011-09-16", "2011-09-16"), ("2011年9月16日 10:30:00", "2011-09-16"), ("2011/9/16", "2011-09-16"),
        ("2011.09.16", "2011-09-16"), ("２０１１－０９－１６", "2011-09-16"), ("二〇一一年十二月二十日", "2011-12-20"),
        ("2011年9月", "2011-09"), ("2011-13-40", None), ("二〇一一年十十月", None), ("昨天", None),
    ],
)
def test_parse_date(written, iso):
    assert parse_date(written) == iso


# ---------------------------------------------------------------- the seed


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not present")
def test_seed_article():
    docs = list(read_documents(SEEDS, strict=True))
    doc = next(d for d in docs if d.id == "chinalco-2011-09-16")
    assert doc.encoding == "utf-8" and doc.script == "Hant"
    assert to_simplified(doc.title) == "进一步深化和扩大创先争优活动成果"
    assert (doc.source, doc.date, doc.author) == ("黨群工作部", "2011-09-16", "管理員")
    assert doc.text == (SEEDS / "chinalco-2011-09-16.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
