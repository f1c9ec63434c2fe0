"""The chain map's ECharts options: JSON-ready, coloured by grade, gaps highlighted."""

from __future__ import annotations

import json

from tests.factories.chains import AS_OF, make_ic_zone
from yuanqu.chains.analysis import chain_coverage, chain_gaps
from yuanqu.chains.charts import GRADE_COLOURS, chain_map_option, chain_sankey_option


def test_map_and_sankey_options(session):
    make_ic_zone(session)
    coverage = chain_coverage(session, chain="ic", as_of=AS_OF)
    gaps = chain_gaps(session, as_of=AS_OF, chain="ic")
    option = chain_map_option(coverage, gaps)
    json.dumps(option)  # passed to templates with |tojson
    nodes = {n["id"]: n for n in option["series"][0]["data"]}
    assert nodes["design"]["itemStyle"]["color"] == GRADE_COLOURS["medium"]
    assert nodes["eda_ip"]["itemStyle"]["borderWidth"] == 4  # a gap
    assert nodes["design"]["itemStyle"]["borderWidth"] == 1
    assert (
        nodes["design"]["symbolSize"]
        > nodes["fab" if "fab" in nodes else "manufacturing"]["symbolSize"]
    )  # sized by firms until output is known
    assert {"source": "design", "target": "manufacturing"} in option["series"][0]["links"]
    sankey = chain_sankey_option(coverage)
    json.dumps(sankey)
    assert len(sankey["series"][0]["links"]) == 7
