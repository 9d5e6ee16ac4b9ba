"""The district safety index where it is shown outside /rankings: the One Map's theme, the wall's
ranking panel (callbacks/one_map.py, callbacks/screen.py)."""

TEXT: dict[str, tuple[str, str]] = {
    # a district's colour band (dashboard/domain/scoring.py BANDS), short, after its index
    "index_band.blue": ("蓝", "blue"),
    "index_band.yellow": ("黄", "yellow"),
    "index_band.orange": ("橙", "orange"),
    "index_band.red": ("红", "red"),
    # the One Map's theme
    "index_map.rank": ("第 {rank} 名", "Rank {rank}"),
    "index_map.change": ("较上期 {change}", "vs previous {change}"),
    "index_map.period": (
        "{period} 季度评分 · 配置版本 {version}",
        "Scores for {period} · configuration version {version}",
    ),
    "index_map.rule": (
        "7 项指标加权（巡检覆盖、按期整改、隐患销号、气瓶追溯、安检、应急响应、投诉处置）减扣分；"
        "无数据的指标不计",
        "Weighted mean of 7 rates (inspection coverage, on-time rectification, hazard closure, "
        "cylinder traceability, safety checks, emergency response, complaints) less deductions; "
        "a rate without data does not count",
    ),
    "index_map.open": ("查看排名与明细 →", "Open the rankings and their details →"),
    "index_map.click": ("点击区县查看各项得分", "Click a district for its components"),
    "index_detail.part": ("指标", "Component"),
    "index_detail.counts": ("达标 / 应计", "Met / counted"),
    "index_detail.weight": ("权重", "Weight"),
    "index_detail.points": ("得分", "Points"),
    # the wall's ranking panel
    "wall_rank.rank": ("名次", "Rank"),
    "wall_rank.district": ("区", "District"),
    "wall_rank.index": ("安全指数", "Safety index"),
    "wall_rank.band": ("等级", "Band"),
    "wall_rank.change": ("较上季度", "vs last quarter"),
    "wall_rank.coverage": ("巡检覆盖", "Inspection coverage"),
    "wall_rank.rectification": ("按期整改", "On-time rectification"),
    "wall_rank.response": ("应急响应", "Emergency response"),
    "wall_rank.deductions": ("扣分", "Deductions"),
    "wall_rank.note": (
        "区县安全指数 {period}（截至今日），配置版本 {version}；全市平均 {city}。等级：{bands}",
        "District safety index {period} (to date), configuration version {version}; "
        "city mean {city}. Bands: {bands}",
    ),
    "wall_rank.none": ("本期暂无评分", "No scores for this period yet"),
    "wall_rank.new": ("新", "new"),
}
