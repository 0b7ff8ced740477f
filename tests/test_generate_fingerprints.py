"""The generator writes exactly the same extracts as when these fingerprints were recorded.

The generator is deterministic, so a refactor must not change one byte of its output. Each run below
is generated and every file it writes is fingerprinted; the fingerprints are compared with values
recorded from the generator at commit f0419cd (before `funnel/generate.py` became a package; the fx rates
re-recorded when they gained their quote currency) by running
this file as a script: `.venv/bin/python tests/test_generate_fingerprints.py`. Re-record them only for
a change that is meant to change the data, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from funnel.generate import generate

END = date(2026, 10, 31)
RUNS = {
    # The demo arguments of funnel/demo.py, copied so that a new demo size does not hide a change here.
    "demo": {"days": 120, "scale": 0.02, "seed": 42, "end_date": END},
    "dirty": {"days": 30, "scale": 0.01, "seed": 7, "end_date": END, "dirty_rate": 0.03},
    "parquet": {"days": 35, "scale": 0.005, "seed": 5, "end_date": END, "fmt": "parquet", "dirty_rate": 0.05},
    # Another seed, three-day batches, and Black Friday, Christmas and New Year inside the window.
    "seed_and_batch_length": {"days": 50, "scale": 0.01, "seed": 2024, "end_date": date(2027, 1, 10), "batch_days": 3},
}
# Per run and per file name inside a batch folder (or top-level file): sha256 over
# "<path relative to the run>\t<sha256 of the file's content>\n" for every such file, in path order.
EXPECTED = {
    "demo": {
        "_manifest.json": "5625c5e5337ecd439f740c2ecb0a79b6769437442ad82542350931a2fb6d554e",
        "crm/activities.csv": "85d8cc3480ec9a83831c721664280c76e1649b6461abaf4080af1746ace2d9db",
        "crm/campaigns.csv": "7bdbc74ef40be72dd824cc0c64659e4ad133215ba1c0d38ef0f15158a195ba06",
        "crm/leads.csv": "6425a2fafd688acd191368ea91d2d307c6a6b34092e47dec94c982b170460117",
        "crm/opportunities.csv": "935304cef8c1dd9e00ccefe5247297ce319b836bf7b25e9ac2b36fada3a46f78",
        "crm/opportunity_stage_history.csv": "6c6c4b945dcb29fff112340782f1b8134379afe912bfe75f0ad2e4fa5e65f5c4",
        "crm/users.csv": "654f20cbb677b44ed0394ec0257e9c76c42e41c312a9666135ff5ae0111522f2",
        "marketing/fx_rates.csv": "d1ca74145900777a5eb4ae356f075de77bf03e8423e862d8e43292e14c5f38cb",
        "marketing/spend.csv": "709d379fcc05bb19e873186bc31548996db112c62952f54fe1c6e656475a8390",
        "pos/customers.csv": "24f2c491ca65fc236a157fbba90c828d2357d7f66b05414873aa1b5173da076d",
        "pos/products.csv": "67773fd26a237bffa65265cb58da6846738cac89d7fa8b4babbe64b1b62038e8",
        "pos/receipt_lines.csv": "79643f0117eda2821d814f0b4e9b719f421a7460857cea6109777e743babb36a",
        "pos/receipts.csv": "cf8b387403dba5a6363972034ca1784cdb777aacf4f050d58eb6397b8162fed9",
        "pos/store_traffic.csv": "d02090c8d5909fe223181aef30efd39a0a7c273cda36495416ab0707702b3ef3",
        "pos/stores.csv": "398f05d4022a00b59acaf444bcf77a457c1ca418781e5c53832e000c9fb114cb",
    },
    "dirty": {
        "_dirty.json": "ce6147dac4956836dabfb4a1f0a9b9ae0a1564cf0c728811534724787c430c44",
        "_manifest.json": "f0bace15e7813c749afe0d9e4695fcf99c67b6bdfa86a6e66fd425a1e9e6dcff",
        "crm/activities.csv": "2a23eeca6b180c7f4ad7514b83be54c0ca2cd0ed0d92880343d54f37c1806ad2",
        "crm/campaigns.csv": "f6274485c71c9ef10f00f963afd07ee09a625bc04b54125aa822ed01dd3a9414",
        "crm/leads.csv": "ebe3dd204c85eac2026e4948d3c400825eb3512300963e2ad1c64e8b599565d7",
        "crm/opportunities.csv": "063afc8608bb0df9066da8cf7b82a3dab5f663edbb39f932a86c8fe0db0f4101",
        "crm/opportunity_stage_history.csv": "db837a69dd4c6641c9bcdf837c0bde5e9ab8615bfb896e47040433fc11c0f6d6",
        "crm/users.csv": "15264c41a01a2d08565779cb2bc315ade2e29725489139d309a4149c6a6d7758",
        "marketing/fx_rates.csv": "244820d45b180fd39a494b9d6c75da014114cdd2321f92837861adba524ebd6e",
        "marketing/spend.csv": "d70ec410b65db5667a1d6d84f3e4224a35cc53f5b5e7572d392dfd72a27bae62",
        "pos/customers.csv": "4410c660cc0579be540c73e78ec7823b373e9ddffbfb3d5e0764595bec2e5c95",
        "pos/products.csv": "7092041bd4bd68f2d03e8eec93d5301d50f257b8eddd2435cc2773b549779344",
        "pos/receipt_lines.csv": "8dbcfc79db998538ccbc7a57890a512e50123620e25440235ede5721e3715e72",
        "pos/receipts.csv": "a784780b8f72265cc74e11cbd594d9236efc3238dcc1f76a8a4bdf73c35c15ed",
        "pos/store_traffic.csv": "1d2879579ad0820743ca3b8b58d0ac06c3e7c1c9ecab5241af57a24c1598a96f",
        "pos/stores.csv": "25e4a61cd918504af906531ca5bc82ce0cbb6c807b27d73e22764660ef07a662",
    },
    "parquet": {
        "_dirty.json": "acc432ccdaa6193ab76cdfa34be151b2dda22bf7d3840e6197d55b403d7e5989",
        "_manifest.json": "551cb4604ca03880ce35cba039bd70823a12a8741a2b8624c75371ecaf8e44ea",
        "crm/activities.parquet": "b764ec1dec12e3b68b2780a429cd1b6f66ca394403750d65101726a90e0dc4ad",
        "crm/campaigns.parquet": "9522e1dce0fd854674fc1a4fde831fc547d82670f74c287fa83198f1fb5708f4",
        "crm/leads.parquet": "c0142fec84d654e1f59511891c75e24d2cf7d7ed1d6903ce3f281ab8bbc4abb2",
        "crm/opportunities.parquet": "357e6a37d381995cd911be64a2b0bcb5e1a74b8f9d49171cf18b231be1a6826c",
        "crm/opportunity_stage_history.parquet": "4eeebd780345173a97c1187e7fd6c8bb69e91ae537535484d2bd7c91fb55c0b9",
        "crm/users.parquet": "427814c60fdf702cdc51e7434f5ec0fd1256df56d193fd4e2eb8dda3c084111d",
        "marketing/fx_rates.parquet": "0af824c8bb634ab112955fda2d9efb9d79be61a1886604de3ead2b7cc7035d6f",
        "marketing/spend.parquet": "ae5e61d081e2f42c3c02a6969fd17195be666402af1ca901192b3323fc6bf8ff",
        "pos/customers.parquet": "0666f2b45ef051378ac2373acd1c8cebaec6c00bb8f00b653844b001280cf03b",
        "pos/products.parquet": "aa5624dc3459ed7d7c877d19c1b3e98561f432c8f95280b75a8cf068acb5afd9",
        "pos/receipt_lines.parquet": "5dbe6de6e4893a91df45fdcd6b9e9e2bfb75d4c5a3901578fc98549fc51311a4",
        "pos/receipts.parquet": "68ad2c2daaa77ba98d498e13f3a78b25c870c75d596ac38a3978b538048c2a51",
        "pos/store_traffic.parquet": "8db8f1c1d78659de610ef4cc28c01435171ead9016decebf6446d3e752adb9b6",
        "pos/stores.parquet": "62bf07dc1f3d51a52fc9b76b1a0725e209859dcf1075ea7a3bf3944ce1582f3e",
    },
    "seed_and_batch_length": {
        "_manifest.json": "1efe16110f70fcfcb848769308684c32008eb9dc8c25a5dc77c15a1b4f4bdc0e",
        "crm/activities.csv": "467d176be6c5d916f0da793abed81433a1df17bf82bf63356356cecf21804519",
        "crm/campaigns.csv": "24e6c72960880a8eb77cd07f5bedecc5bd8854186ff3ada95d339f240af28493",
        "crm/leads.csv": "f0445a95389659ccc2f6953aa7f32b6d30a1321fcdbd6c35cd56e1c8c1ee759f",
        "crm/opportunities.csv": "818418dfdc21d6b9c46d903e2b17eacc21044b852404923c70c1e437b88a3fdd",
        "crm/opportunity_stage_history.csv": "b64bf6b6eacccd84603fdbe3ea07a5ceb23365c47b10de49c52f2b6a0790dad4",
        "crm/users.csv": "e694331bee72bbbbdaf60e61a6021ec7952daa6b36b4d7cd364eb2da510302b8",
        "marketing/fx_rates.csv": "cb00d9d76e4562a8b75a35918eb69bbbec7d73a9b579fe33759b26738ae31328",
        "marketing/spend.csv": "df482e506edf4f72640886a37271c0b17a98a0678505c4d0c4b51e12750e42b2",
        "pos/customers.csv": "4013ace0b871935a6c69a4d21e9459cb303d5a6fcb0125066c7e336e1ac7cfc1",
        "pos/products.csv": "3f06e2c5ea272d352f5d340d4b7f8bf119531745827e5b8d802d4740ff91652c",
        "pos/receipt_lines.csv": "fec15e95995b0d36459ca4910d1882629558733fd7e554e263e9962f5f0056e8",
        "pos/receipts.csv": "116112aa795fc59a6b2710f521c5e487d578026c560b68f84513ed7cf6bd4430",
        "pos/store_traffic.csv": "6d0da514646e569619393dd72626bbf710a67693442d5299796c868d35e25bbb",
        "pos/stores.csv": "a040556d0c7d9a77ca15c43045d7e473073d76ace2b8f04b7a4b34e81d588a4e",
    },
}


def content_digest(path: Path) -> str:
    """sha256 of a file's bytes; for Parquet, of its schema and values.

    Parquet files carry the writing library's version in their footer, so their bytes change with a
    pyarrow upgrade although the data does not.
    """
    if path.suffix != ".parquet":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    table = pq.read_table(path)
    schema = [(f.name, str(f.type), f.nullable) for f in table.schema]
    text = json.dumps({"schema": schema, "rows": table.to_pylist()}, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprints(root: Path) -> dict[str, str]:
    """One digest per file name, over that file in every batch (see EXPECTED)."""
    lines: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        name = str(Path(*relative.parts[1:])) if len(relative.parts) > 1 else relative.name
        lines.setdefault(name, []).append(f"{relative.as_posix()}\t{content_digest(path)}\n")
    return {name: hashlib.sha256("".join(rows).encode("utf-8")).hexdigest() for name, rows in sorted(lines.items())}


@pytest.mark.parametrize("run", RUNS)
def test_the_generator_writes_the_recorded_bytes(run: str, tmp_path: Path):
    generate(tmp_path / run, **RUNS[run])
    assert fingerprints(tmp_path / run) == EXPECTED[run]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        recorded = {}
        for name, args in RUNS.items():
            generate(Path(folder) / name, **args)
            recorded[name] = fingerprints(Path(folder) / name)
    print(json.dumps(recorded, indent=4))
