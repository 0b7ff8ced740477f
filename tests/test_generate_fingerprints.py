"""The generator writes exactly the same extracts as when these fingerprints were recorded.

The generator is deterministic, so a refactor must not change one byte of its output. Each run below
is generated and every file it writes is fingerprinted; the fingerprints are compared with values
recorded from the generator at commit f0419cd (before `funnel/generate.py` became a package; the fx rates
re-recorded when they gained their quote currency; all re-recorded when loyalty repeat purchases
became BG/NBD and campaign touches were added) by running
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
        "_manifest.json": "09f4452af4a983c63d6ed9438f3511419f7468a959dad329976a42b25bf118d4",
        "crm/activities.csv": "85d8cc3480ec9a83831c721664280c76e1649b6461abaf4080af1746ace2d9db",
        "crm/campaign_members.csv": "ce2d27010c9549b4f720b546ee292e97183b741e30bb43b5f37abe4599424ca9",
        "crm/campaigns.csv": "7bdbc74ef40be72dd824cc0c64659e4ad133215ba1c0d38ef0f15158a195ba06",
        "crm/leads.csv": "f6e92689ac30466aa31b6c1cd6d9bf6dc161c19a4564e9006a5a4ddde44d0bb6",
        "crm/opportunities.csv": "935304cef8c1dd9e00ccefe5247297ce319b836bf7b25e9ac2b36fada3a46f78",
        "crm/opportunity_stage_history.csv": "6c6c4b945dcb29fff112340782f1b8134379afe912bfe75f0ad2e4fa5e65f5c4",
        "crm/users.csv": "654f20cbb677b44ed0394ec0257e9c76c42e41c312a9666135ff5ae0111522f2",
        "marketing/fx_rates.csv": "d1ca74145900777a5eb4ae356f075de77bf03e8423e862d8e43292e14c5f38cb",
        "marketing/spend.csv": "709d379fcc05bb19e873186bc31548996db112c62952f54fe1c6e656475a8390",
        "pos/customers.csv": "6c1a1ac18e83de5f77a4de375d2abd7dc1d0f796675c86380016ae0dda400ed2",
        "pos/products.csv": "67773fd26a237bffa65265cb58da6846738cac89d7fa8b4babbe64b1b62038e8",
        "pos/receipt_lines.csv": "6948db514c61915c815b4c90aaf254b49771e9c995b99afb943227b2caa48529",
        "pos/receipts.csv": "6f707d0f92abdc06fa31dad20d354e099a087b9494847aa72c0e053128b47176",
        "pos/store_traffic.csv": "5b734aa447c0e82a593ea5bf994da73c9f6ed525e3f925bc4b5fea70bc5fd20f",
        "pos/stores.csv": "398f05d4022a00b59acaf444bcf77a457c1ca418781e5c53832e000c9fb114cb",
    },
    "dirty": {
        "_dirty.json": "5bed6f8c33d10347dcbf095de42e06c97ef3a5249298c4d031e151fc0d7f06b7",
        "_manifest.json": "0cf05e059633d90357049d51489c8c15fe96b62b3e25932c7fe6ed113edd2edb",
        "crm/activities.csv": "9b19cae54e4a9576279c088149c6616af2ab7432404a58486d3010de0caafe3b",
        "crm/campaign_members.csv": "da63bdf8feda2d5e9b9f48c759f536baf8790759f82c92f916aa65ed43c0e62a",
        "crm/campaigns.csv": "f6274485c71c9ef10f00f963afd07ee09a625bc04b54125aa822ed01dd3a9414",
        "crm/leads.csv": "8e590d33e2c402dd6ed0436b89781231ba8e011f0c153e0cfd0c5bfb7b91a8e0",
        "crm/opportunities.csv": "1814cc79aa6e88ef864c139a190506a633869fb05edf1a773928636ed40694e0",
        "crm/opportunity_stage_history.csv": "3aa4fadf8466ad2e44864dc4931af7917feb9d396bc2aeb840fb8084276ba588",
        "crm/users.csv": "a169525a1debeda634000d5e4a09093d90527329c3ba36d32e27c8d7fca60667",
        "marketing/fx_rates.csv": "2f4874d574f75aeb08a3ce19a8735ac42e12bc54f72d940d92e00c999174ed79",
        "marketing/spend.csv": "42e4e19691b65870177fdf99d965c4f44835ccf4ea3d83acd6778e501f25eb7c",
        "pos/customers.csv": "04e7fe00d7f328d570edd9135d4760f2fb9b8c20c2978e3e6f41ba793a794ad2",
        "pos/products.csv": "7092041bd4bd68f2d03e8eec93d5301d50f257b8eddd2435cc2773b549779344",
        "pos/receipt_lines.csv": "c71a5ab228f3bfcb5b29cde95c0b71e1821d6c0a55286f6b919e4516d1aa45c5",
        "pos/receipts.csv": "70f018cf63703ebd7d9173700f043855ea46475bbb4b727eca48656bc0f62a68",
        "pos/store_traffic.csv": "e928c828b1b039e3fe4265b795b1e8446ce616491741e3d648cc9730e87a070e",
        "pos/stores.csv": "25e4a61cd918504af906531ca5bc82ce0cbb6c807b27d73e22764660ef07a662",
    },
    "parquet": {
        "_dirty.json": "206da0808056b229114456866bafea355ebd736dc182f1a0c3f168f564ae6058",
        "_manifest.json": "a8422096a0b68be494f90233f2d9d6db5caa1e47b62d2c98815cea05446e64ae",
        "crm/activities.parquet": "d81f974f2bc970b22c5eb41e55b8b1522952e7f2beb318c03065f159b1bd4d07",
        "crm/campaign_members.parquet": "63a8eb3ae802f3a7b1422ad59f4eb8cff5c6e254fbfa5da219b01b2a502c27fe",
        "crm/campaigns.parquet": "9522e1dce0fd854674fc1a4fde831fc547d82670f74c287fa83198f1fb5708f4",
        "crm/leads.parquet": "c1e341c407e76427c32908db9f508b1780f278e4c1b5dc4b947a6225374540db",
        "crm/opportunities.parquet": "76710c2686e876c67cade0a9c7354f2f0bf931f12ce46053c5e4051efdb6aea1",
        "crm/opportunity_stage_history.parquet": "e0389e69fe23683680ea2cda9f6b2b83aa4b8c70b16998d846bfcf3137353124",
        "crm/users.parquet": "8997698e6f5a63720eb8a38cf6bbbf4689d91964ad290092d7e9bd9872a9a162",
        "marketing/fx_rates.parquet": "4c4a8bbef543294bd500b2d67da04dea7785377c096f1c523785660de879f51a",
        "marketing/spend.parquet": "9165193ab6eb093b6b76ef25bb16d396ea69bc00a5fe40dec7e80472d2398ca0",
        "pos/customers.parquet": "bf259586b3fe16f9dfdde0a4ce4f6ef7ace8b39c7099203dc60d4844d37c1f48",
        "pos/products.parquet": "464b32f686c9072fe06848961ecebbd9f38fe83f96d73981cd75217e3071a7a9",
        "pos/receipt_lines.parquet": "7903862499b6dcccaad0e6f6344d28c88395455c7931a815cb6e917f4bb10fb7",
        "pos/receipts.parquet": "4c09791b9e4a40f7248273bfbe91df43e688867ffa7bc4378abeb5942db92176",
        "pos/store_traffic.parquet": "c9e23ac207b5e021e510f8416a7891104695b1203bcc347fc5872fc64200aabe",
        "pos/stores.parquet": "62bf07dc1f3d51a52fc9b76b1a0725e209859dcf1075ea7a3bf3944ce1582f3e",
    },
    "seed_and_batch_length": {
        "_manifest.json": "21e600c3bb7c7f629ccafe47ad87d8807faad91c68b773c40b301e17023d123b",
        "crm/activities.csv": "467d176be6c5d916f0da793abed81433a1df17bf82bf63356356cecf21804519",
        "crm/campaign_members.csv": "6a1ef8767d101dc5328584f6b6b31f20580895c6f5e256ffc766451e25a3f854",
        "crm/campaigns.csv": "24e6c72960880a8eb77cd07f5bedecc5bd8854186ff3ada95d339f240af28493",
        "crm/leads.csv": "4dbde1b0a1851fd5ed14b10ae06eb920c3ae4ce4156a7b53b7675834665c1a76",
        "crm/opportunities.csv": "818418dfdc21d6b9c46d903e2b17eacc21044b852404923c70c1e437b88a3fdd",
        "crm/opportunity_stage_history.csv": "b64bf6b6eacccd84603fdbe3ea07a5ceb23365c47b10de49c52f2b6a0790dad4",
        "crm/users.csv": "e694331bee72bbbbdaf60e61a6021ec7952daa6b36b4d7cd364eb2da510302b8",
        "marketing/fx_rates.csv": "cb00d9d76e4562a8b75a35918eb69bbbec7d73a9b579fe33759b26738ae31328",
        "marketing/spend.csv": "df482e506edf4f72640886a37271c0b17a98a0678505c4d0c4b51e12750e42b2",
        "pos/customers.csv": "920dcb9835a010db1ce232ffc76da31d9097c4d66db3dc8f6db73f9fb0ae0549",
        "pos/products.csv": "3f06e2c5ea272d352f5d340d4b7f8bf119531745827e5b8d802d4740ff91652c",
        "pos/receipt_lines.csv": "b81da3826f9443ccf1230acd3ce1f9a6e2be17350caaf13f89b71541afef1583",
        "pos/receipts.csv": "04446de781b6e75315f329f304daec103f9568f39485b0df7a1e399c2c310970",
        "pos/store_traffic.csv": "23911edb10d51acde049353e425281343fab647b827e74853444ba1541a19734",
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
