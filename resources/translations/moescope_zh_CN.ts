<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>QObject</name>
    <message>
        <source>Could not encode the PNG image.</source>
        <translation>无法编码 PNG 图像。</translation>
    </message>
    <message>
        <source>shared expert: always active, weight 1</source>
        <translation>共享专家：始终激活，权重 1</translation>
    </message>
    <message>
        <source>shared expert gate: %1</source>
        <translation>共享专家门控：%1</translation>
    </message>
    <message>
        <source>probability: %1
</source>
        <translation>概率：%1
</translation>
    </message>
    <message>
        <source>selection score: %1
</source>
        <translation>选择分数：%1
</translation>
    </message>
    <message>
        <source>chosen, rank %1, weight %2</source>
        <translation>已选中，排名 %1，权重 %2</translation>
    </message>
    <message>
        <source>not chosen</source>
        <translation>未选中</translation>
    </message>
    <message>
        <source>token %1 “%2” (pos %3)</source>
        <translation>词元 %1“%2”（位置 %3）</translation>
    </message>
    <message>
        <source>id %1, %2</source>
        <translation>ID %1，%2</translation>
    </message>
    <message>
        <source>
layer %1 routing:</source>
        <translation>
第 %1 层路由：</translation>
    </message>
    <message>
        <source>, layer %1</source>
        <translation>，第 %1 层</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>#%1 what-if of #%2 · %3</source>
        <translation>#%1 为 #%2 的假设运行 · %3</translation>
    </message>
    <message>
        <source>#%1 · %2 · %3</source>
        <translation>#%1 · %2 · %3</translation>
    </message>
    <message>
        <source>#%1 · %2</source>
        <translation>#%1 · %2</translation>
    </message>
</context>
<context>
    <name>moe::gui::AnalysisPage</name>
    <message>
        <source>Per-layer statistics</source>
        <translation>逐层统计</translation>
    </message>
    <message>
        <source>Load balance and repetition of every MoE layer, each beside what a random router gives.</source>
        <translation>每个 MoE 层的负载均衡与重复情况，并列出随机路由的对照值。</translation>
    </message>
    <message>
        <source>click a row to select its layer; click a header to sort</source>
        <translation>点击一行选中该层；点击表头排序</translation>
    </message>
    <message>
        <source>Co-activation</source>
        <translation>共同激活</translation>
    </message>
    <message>
        <source>How often expert j is chosen together with expert i, given i (rows i, columns j).</source>
        <translation>在选中专家 i 的前提下，专家 j 与它一同被选中的频率（行 i，列 j）。</translation>
    </message>
    <message>
        <source>Layer → next layer</source>
        <translation>本层 → 下一层</translation>
    </message>
    <message>
        <source>Where a token&apos;s rank-0 expert here (rows) sends it at the next MoE layer (columns).</source>
        <translation>词元在本层的首选专家（行）与它在下一个 MoE 层的首选专家（列）的对应关系。</translation>
    </message>
    <message>
        <source>Expert in every layer</source>
        <translation>专家在各层</translation>
    </message>
    <message>
        <source>The selected expert&apos;s load, share and rank in each MoE layer.</source>
        <translation>所选专家在每个 MoE 层的负载、占比和排名。</translation>
    </message>
    <message>
        <source>The expert the inspector shows; click any expert in a heatmap to pick it</source>
        <translation>检查器显示的专家；在任一热力图中点击专家即可选中</translation>
    </message>
    <message>
        <source>expert </source>
        <translation>专家 </translation>
    </message>
    <message>
        <source>Expert&apos;s top tokens</source>
        <translation>专家的常见词元</translation>
    </message>
    <message>
        <source>The input tokens the selected expert handles most often, and most consistently.</source>
        <translation>所选专家处理次数最多、最稳定的输入词元。</translation>
    </message>
    <message>
        <source>Occurrences</source>
        <translation>出现位置</translation>
    </message>
    <message>
        <source>Every token the selected expert handled in the selected layer, in context; click one to select it everywhere.</source>
        <translation>所选专家在所选层处理过的每个词元及其上下文；点击一个即可在所有视图中选中它。</translation>
    </message>
    <message>
        <source>Expert cache</source>
        <translation>专家缓存</translation>
    </message>
    <message>
        <source>Hit rate of a cache holding that many experts&apos; weights, replaying the tokens in order.</source>
        <translation>按顺序重放词元时，能容纳该数量专家权重的缓存的命中率。</translation>
    </message>
    <message>
        <source>Pruning coverage</source>
        <translation>剪枝覆盖率</translation>
    </message>
    <message>
        <source>The share of the routing the M busiest experts handle: what pruning to M keeps.</source>
        <translation>最繁忙的 M 个专家承担的路由比例：即剪枝到 M 个专家后保留的部分。</translation>
    </message>
    <message>
        <source>no tokens yet</source>
        <translation>还没有词元</translation>
    </message>
    <message>
        <source>cannot analyse: %1</source>
        <translation>无法分析：%1</translation>
    </message>
    <message>
        <source>analysing…</source>
        <translation>正在分析…</translation>
    </message>
    <message>
        <source>%1 tokens in %2 sequences; click a row to select its layer</source>
        <translation>%2 个序列中的 %1 个词元；点击一行选中该层</translation>
    </message>
    <message>
        <source>layer %1: P(column chosen | row chosen)</source>
        <translation>第 %1 层：P（列被选中 | 行被选中）</translation>
    </message>
    <message>
        <source>layer %1 is the last MoE layer</source>
        <translation>第 %1 层是最后一个 MoE 层</translation>
    </message>
    <message>
        <source>layer %1 → next: I = %2 bits</source>
        <translation>第 %1 层 → 下一层：I = %2 比特</translation>
    </message>
    <message>
        <source>E%1</source>
        <translation>E%1</translation>
    </message>
    <message>
        <source>E%1 in layer %2</source>
        <translation>第 %2 层的 E%1</translation>
    </message>
    <message>
        <source>E%1 in layer %2: %3 tokens</source>
        <translation>第 %2 层的 E%1：%3 个词元</translation>
    </message>
    <message>
        <source>layer %1 (solid) and the mean of all layers (dashed)</source>
        <translation>第 %1 层（实线）与所有层的平均（虚线）</translation>
    </message>
</context>
<context>
    <name>moe::gui::CacheChart</name>
    <message>
        <source>LRU</source>
        <translation>最近最少使用</translation>
    </message>
    <message>
        <source>LFU</source>
        <translation>最不常用</translation>
    </message>
    <message>
        <source>oracle</source>
        <translation>最优</translation>
    </message>
    <message>
        <source>experts the cache holds</source>
        <translation>缓存容纳的专家数</translation>
    </message>
    <message>
        <source>hit rate</source>
        <translation>命中率</translation>
    </message>
    <message>
        <source>k = %1</source>
        <translation>k = %1</translation>
    </message>
    <message>
        <source>2k = %1</source>
        <translation>2k = %1</translation>
    </message>
</context>
<context>
    <name>moe::gui::ComparePage</name>
    <message>
        <source>Run A</source>
        <translation>运行 A</translation>
    </message>
    <message>
        <source>Run B</source>
        <translation>运行 B</translation>
    </message>
    <message>
        <source>Routing diff</source>
        <translation>路由差异</translation>
    </message>
    <message>
        <source>For the selected MoE layer, token by token: the experts only run A chose, only run B chose, and both chose; the red line is the first position where the two token sequences differ</source>
        <translation>所选 MoE 层中逐个词元比较：仅运行 A 选中、仅运行 B 选中以及两者都选中的专家；红线标出两条词元序列首次不同的位置</translation>
    </message>
    <message>
        <source>Agreement per layer</source>
        <translation>逐层一致度</translation>
    </message>
    <message>
        <source>Per MoE layer, over the tokens before the first divergence: set agreement |A ∩ B| / |A|, top-1 agreement and Jaccard |A ∩ B| / |A ∪ B|</source>
        <translation>每个 MoE 层在首次分歧之前的词元上计算：集合一致度 |A ∩ B| / |A|、首选一致度和 Jaccard |A ∩ B| / |A ∪ B|</translation>
    </message>
    <message>
        <source>The token sequences agree for %1 tokens and first diverge at position %2; the agreement below covers those %1 tokens.</source>
        <translation>两条词元序列前 %1 个词元相同，在位置 %2 首次分歧；下方的一致度只统计这 %1 个词元。</translation>
    </message>
    <message>
        <source>The two runs evaluate the same %1 tokens.</source>
        <translation>两次运行计算的是相同的 %1 个词元。</translation>
    </message>
    <message>
        <source>layer %1</source>
        <translation>第 %1 层</translation>
    </message>
    <message>
        <source>set agreement</source>
        <translation>集合一致度</translation>
    </message>
    <message>
        <source>top-1 agreement</source>
        <translation>首选一致度</translation>
    </message>
    <message>
        <source>Jaccard</source>
        <translation>杰卡德系数</translation>
    </message>
</context>
<context>
    <name>moe::gui::ComputePage</name>
    <message>
        <source>token (step)</source>
        <translation>词元（步）</translation>
    </message>
    <message>
        <source>% of dense</source>
        <translation>占稠密模型的 %</translation>
    </message>
    <message>
        <source>FLOPs</source>
        <translation>浮点运算</translation>
    </message>
    <message>
        <source>weight bytes</source>
        <translation>权重字节</translation>
    </message>
    <message>
        <source>GFLOP</source>
        <translation>GFLOP</translation>
    </message>
    <message>
        <source>used</source>
        <translation>实际使用</translation>
    </message>
    <message>
        <source>dense equivalent</source>
        <translation>等效稠密模型</translation>
    </message>
    <message>
        <source>full multi-head K/V</source>
        <translation>完整多头 K/V</translation>
    </message>
    <message>
        <source>Work per token vs dense</source>
        <translation>每词元计算量与稠密模型对比</translation>
    </message>
    <message>
        <source>The FLOPs and weight bytes each token used, as a share of a dense model that runs every expert.</source>
        <translation>每个词元使用的浮点运算量和权重字节，占运行全部专家的稠密模型的比例。</translation>
    </message>
    <message>
        <source>share of a dense model running every expert</source>
        <translation>占运行全部专家的稠密模型的比例</translation>
    </message>
    <message>
        <source>Cumulative FLOPs</source>
        <translation>累计浮点运算量</translation>
    </message>
    <message>
        <source>Arithmetic done so far by the routed model and by its dense equivalent.</source>
        <translation>迄今路由模型与等效稠密模型分别完成的运算量。</translation>
    </message>
    <message>
        <source>Cumulative weight bytes read</source>
        <translation>累计读取的权重字节</translation>
    </message>
    <message>
        <source>Weight memory read so far: only the chosen experts&apos; weights are touched.</source>
        <translation>迄今读取的权重内存：只有被选中专家的权重会被读取。</translation>
    </message>
    <message>
        <source>KV cache size</source>
        <translation>KV 缓存大小</translation>
    </message>
    <message>
        <source>Bytes the attention cache holds after each token, against full multi-head K/V.</source>
        <translation>每个词元之后注意力缓存占用的字节数，并与完整多头 K/V 对比。</translation>
    </message>
    <message>
        <source>cached (MLA latent)</source>
        <translation>实际缓存（MLA 潜向量）</translation>
    </message>
    <message>
        <source>cached (%1)</source>
        <translation>实际缓存（%1）</translation>
    </message>
    <message>
        <source>no KV cache size in this session</source>
        <translation>此会话没有 KV 缓存大小</translation>
    </message>
    <message>
        <source>this trace has no compute figures</source>
        <translation>此轨迹没有计算量数据</translation>
    </message>
    <message>
        <source>routed experts vs every expert</source>
        <translation>路由专家与全部专家对比</translation>
    </message>
    <message>
        <source>weights touched per token, summed</source>
        <translation>每个词元读取的权重，累加</translation>
    </message>
    <message>
        <source>bytes cached after each token</source>
        <translation>每个词元之后缓存的字节数</translation>
    </message>
    <message>
        <source>%1% of dense FLOPs so far (attention included)</source>
        <translation>迄今为稠密模型浮点运算量的 %1%（含注意力）</translation>
    </message>
    <message>
        <source>%1% of dense weight bytes so far</source>
        <translation>迄今为稠密模型权重字节的 %1%</translation>
    </message>
    <message>
        <source>%1 cached, %2% of full multi-head K/V</source>
        <translation>已缓存 %1，为完整多头 K/V 的 %2%</translation>
    </message>
</context>
<context>
    <name>moe::gui::CoverageChart</name>
    <message>
        <source>this layer</source>
        <translation>本层</translation>
    </message>
    <message>
        <source>mean of layers</source>
        <translation>各层平均</translation>
    </message>
    <message>
        <source>busiest experts kept (M)</source>
        <translation>保留的最繁忙专家数（M）</translation>
    </message>
    <message>
        <source>share of routing handled</source>
        <translation>承担的路由比例</translation>
    </message>
    <message>
        <source>k = %1</source>
        <translation>k = %1</translation>
    </message>
</context>
<context>
    <name>moe::gui::DomainShareModel</name>
    <message>
        <source>%1, layer %2: E%3 is among the chosen experts of %4 of the domain&apos;s tokens (%5× the k/N baseline %6)</source>
        <translation>%1，第 %2 层：该领域 %4 的词元选中了 E%3（为 k/N 基线 %6 的 %5 倍）</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertLayersModel</name>
    <message>
        <source>%1 of %2</source>
        <translation>第 %1 / %2</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>负载</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>占比</translation>
    </message>
    <message>
        <source>Rank</source>
        <translation>排名</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertLoadModel</name>
    <message>
        <source>layer %1, expert E%2
chosen by %3 of %4 tokens (%5%)</source>
        <translation>第 %1 层，专家 E%2
被 %4 个词元中的 %3 个选中（%5%）</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertMapModel</name>
    <message>
        <source>Expert</source>
        <translation>专家</translation>
    </message>
    <message>
        <source>PC 1</source>
        <translation>主成分 1</translation>
    </message>
    <message>
        <source>PC 2</source>
        <translation>主成分 2</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>负载</translation>
    </message>
    <message>
        <source>Dominant domain</source>
        <translation>主导领域</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertMapView</name>
    <message>
        <source>No corpus profile</source>
        <translation>没有语料画像</translation>
    </message>
    <message>
        <source>PC 1 (%1% of the variance)</source>
        <translation>主成分 1（方差的 %1%）</translation>
    </message>
    <message>
        <source>PC 2 (%1%)</source>
        <translation>主成分 2（%1%）</translation>
    </message>
    <message>
        <source>size: load</source>
        <translation>大小：负载</translation>
    </message>
    <message>
        <source>E%1: load %2, dominant domain %3; click to inspect</source>
        <translation>E%1：负载 %2，主导领域 %3；点击查看</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertMatrixModel</name>
    <message>
        <source>E%1 and E%2 chosen together: %3 of the %4 tokens that chose E%1 (%5%)</source>
        <translation>E%1 与 E%2 一同被选中：选择 E%1 的 %4 个词元中有 %3 个（%5%）</translation>
    </message>
    <message>
        <source>rank-0 E%1 here, E%2 at the next MoE layer: %3 of %4 tokens (%5%)</source>
        <translation>本层首选 E%1、下一 MoE 层首选 E%2：%4 个词元中有 %3 个（%5%）</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertOccurrenceModel</name>
    <message>
        <source>token %1 (position %2); click to select it in every view</source>
        <translation>词元 %1（位置 %2）；点击即可在所有视图中选中</translation>
    </message>
</context>
<context>
    <name>moe::gui::ExpertTokensModel</name>
    <message>
        <source>%1% (%2 of %3)</source>
        <translation>%1%（%3 次中的 %2 次）</translation>
    </message>
    <message>
        <source>Top by count</source>
        <translation>按次数排名</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>Top by consistency</source>
        <translation>按一致性排名</translation>
    </message>
    <message>
        <source>Consistency</source>
        <translation>一致性</translation>
    </message>
</context>
<context>
    <name>moe::gui::HeatmapView</name>
    <message>
        <source>No data yet. Type a prompt in the Prompt dock and press Run (Ctrl+Enter), or click a sample prompt.</source>
        <translation>暂无数据。在“提示词”面板中输入提示词并点击“运行”（Ctrl+Enter），或点击一个示例提示词。</translation>
    </message>
    <message>
        <source>Enable expert %1 in layer %2</source>
        <translation>在第 %2 层启用专家 %1</translation>
    </message>
    <message>
        <source>Enable expert %1 in all layers</source>
        <translation>在所有层启用专家 %1</translation>
    </message>
    <message>
        <source>Disable expert %1 in layer %2</source>
        <translation>在第 %2 层禁用专家 %1</translation>
    </message>
    <message>
        <source>Disable expert %1 in all layers</source>
        <translation>在所有层禁用专家 %1</translation>
    </message>
    <message>
        <source>Enable all experts</source>
        <translation>启用全部专家</translation>
    </message>
</context>
<context>
    <name>moe::gui::InferenceWorker</name>
    <message>
        <source>Loading cancelled.</source>
        <translation>已取消加载。</translation>
    </message>
</context>
<context>
    <name>moe::gui::LatencyModel</name>
    <message>
        <source>prefill</source>
        <translation>预填充</translation>
    </message>
    <message>
        <source>decode</source>
        <translation>解码</translation>
    </message>
</context>
<context>
    <name>moe::gui::LayerStatsModel</name>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>CV</source>
        <translation>变异系数</translation>
    </message>
    <message>
        <source>Entropy</source>
        <translation>熵</translation>
    </message>
    <message>
        <source>MaxVio</source>
        <translation>MaxVio</translation>
    </message>
    <message>
        <source>Dead</source>
        <translation>闲置</translation>
    </message>
    <message>
        <source>Repeat top-1</source>
        <translation>首选重复</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Repeat any</source>
        <translation>任一重复</translation>
    </message>
    <message>
        <source>random </source>
        <translation>随机 </translation>
    </message>
    <message>
        <source>MI next (bits)</source>
        <translation>与下一层互信息（比特）</translation>
    </message>
    <message>
        <source>Block index of the MoE layer</source>
        <translation>MoE 层的块序号</translation>
    </message>
    <message>
        <source>Tokens routed in this layer</source>
        <translation>本层路由的词元数</translation>
    </message>
    <message>
        <source>Coefficient of variation of the expert load (0 = perfectly even)</source>
        <translation>专家负载的变异系数（0 = 完全均匀）</translation>
    </message>
    <message>
        <source>Entropy of the load shares over ln N (1 = perfectly even)</source>
        <translation>负载占比的熵除以 ln N（1 = 完全均匀）</translation>
    </message>
    <message>
        <source>(max load − mean load) / mean load (DeepSeek-V3&apos;s MaxVio)</source>
        <translation>（最大负载 − 平均负载）/ 平均负载（DeepSeek-V3 的 MaxVio）</translation>
    </message>
    <message>
        <source>Experts that no token chose</source>
        <translation>没有任何词元选择的专家</translation>
    </message>
    <message>
        <source>Share of consecutive tokens with the same rank-0 expert</source>
        <translation>相邻词元首选专家相同的比例</translation>
    </message>
    <message>
        <source>What a random router gives: 1/N</source>
        <translation>随机路由的对照值：1/N</translation>
    </message>
    <message>
        <source>Share of consecutive tokens sharing at least one expert</source>
        <translation>相邻词元至少共享一个专家的比例</translation>
    </message>
    <message>
        <source>What a random router gives: 1 − C(N−k, k)/C(N, k)</source>
        <translation>随机路由的对照值：1 − C(N−k, k)/C(N, k)</translation>
    </message>
    <message>
        <source>Mutual information between the rank-0 expert here and at the next MoE layer</source>
        <translation>本层首选专家与下一 MoE 层首选专家之间的互信息</translation>
    </message>
</context>
<context>
    <name>moe::gui::LayerTimeChart</name>
    <message>
        <source>Selected token</source>
        <translation>所选词元</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>Median prefill token</source>
        <translation>预填充词元中位数</translation>
    </message>
    <message>
        <source>Median decode token</source>
        <translation>解码词元中位数</translation>
    </message>
    <message>
        <source>block %1, %2: %3 ms</source>
        <translation>第 %1 块，%2：%3 毫秒</translation>
    </message>
    <message>
        <source>middle half of decode tokens: %1 to %2 ms</source>
        <translation>中间一半的解码词元：%1 到 %2 毫秒</translation>
    </message>
</context>
<context>
    <name>moe::gui::MainWindow</name>
    <message>
        <source>Routing</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>Timing</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>计算量</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Previous Token</source>
        <translation>上一个词元</translation>
    </message>
    <message>
        <source>Next Token</source>
        <translation>下一个词元</translation>
    </message>
    <message>
        <source>Previous Layer</source>
        <translation>上一层</translation>
    </message>
    <message>
        <source>Next Layer</source>
        <translation>下一层</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;How MoE Routing Works</source>
        <translation>MoE 路由原理(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About MoEScope</source>
        <translation>关于 MoEScope(&amp;A)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Loading cancelled.</source>
        <translation>已取消加载。</translation>
    </message>
    <message>
        <source>Could not load %1:
%2</source>
        <translation>无法加载 %1：
%2</translation>
    </message>
    <message>
        <source>Loading failed.</source>
        <translation>加载失败。</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>Open &amp;Session…</source>
        <translation>打开会话(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Save Session…</source>
        <translation>保存会话(&amp;S)…</translation>
    </message>
    <message>
        <source>Export &amp;Routing CSV…</source>
        <translation>导出路由 CSV(&amp;R)…</translation>
    </message>
    <message>
        <source>Export &amp;Latency CSV…</source>
        <translation>导出延迟 CSV(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Run the prompt (Ctrl+Enter)</source>
        <translation>运行提示词（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop generating (Esc)</source>
        <translation>停止生成（Esc）</translation>
    </message>
    <message>
        <source>Follow newest token</source>
        <translation>跟随最新词元</translation>
    </message>
    <message>
        <source>Views show the newest token; click any token to pin it instead</source>
        <translation>各视图显示最新的词元；点击任一词元可将其固定</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source> Layer </source>
        <translation> 层 </translation>
    </message>
    <message>
        <source>MoE layer shown by the token × expert view and the token strip colours</source>
        <translation>词元 × 专家视图与词元条颜色所对应的 MoE 层</translation>
    </message>
    <message>
        <source>  Show </source>
        <translation>  显示 </translation>
    </message>
    <message>
        <source>router probability</source>
        <translation>路由概率</translation>
    </message>
    <message>
        <source>applied weight</source>
        <translation>实际权重</translation>
    </message>
    <message>
        <source>Value of the routing heatmaps</source>
        <translation>路由热力图显示的数值</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Generated text streams here.</source>
        <translation>生成的文本会在这里逐步显示。</translation>
    </message>
    <message>
        <source>Exported %1.</source>
        <translation>已导出 %1。</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>Loaded %1.</source>
        <translation>已加载 %1。</translation>
    </message>
    <message>
        <source>Could not open the session: %1</source>
        <translation>无法打开会话：%1</translation>
    </message>
    <message>
        <source>Opened session %1.</source>
        <translation>已打开会话 %1。</translation>
    </message>
    <message>
        <source>Type a prompt first.</source>
        <translation>请先输入提示词。</translation>
    </message>
    <message>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>MoEScope</source>
        <translation>MoEScope</translation>
    </message>
    <message>
        <source>MoEScope — %1</source>
        <translation>MoEScope — %1</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>About MoEScope</source>
        <translation>关于 MoEScope</translation>
    </message>
    <message>
        <source>&lt;b&gt;MoEScope %1&lt;/b&gt;&lt;p&gt;Runs Mixture-of-Experts models from GGUF files on the CPU and shows how the router sends every token through the experts.&lt;/p&gt;</source>
        <translation>&lt;b&gt;MoEScope %1&lt;/b&gt;&lt;p&gt;在 CPU 上运行 GGUF 格式的混合专家（MoE）模型，并展示路由器如何把每个词元分派给各个专家。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Zoom the token × expert view</source>
        <translation>缩放词元 × 专家视图</translation>
    </message>
    <message>
        <source>Ctrl+wheel</source>
        <translation>Ctrl+滚轮</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>No installed font can show “%1”, so these characters appear as empty boxes. Install a font that covers them (for Chinese: fonts-wqy-microhei or fonts-noto-cjk).</source>
        <translation>系统中没有字体能显示“%1”，这些字符会显示为空方框。请安装包含这些字符的字体（中文可装 fonts-wqy-microhei 或 fonts-noto-cjk）。</translation>
    </message>
    <message>
        <source>No model loaded. Open a GGUF file (Ctrl+O), drop one here, or pick a recent one.</source>
        <translation>尚未加载模型。请打开 GGUF 文件（Ctrl+O）、拖放到此处，或从最近打开中选择。</translation>
    </message>
    <message>
        <source>From an opened session; load this model to run prompts.</source>
        <translation>来自已打开的会话；加载此模型后才能运行提示词。</translation>
    </message>
    <message>
        <source>%1 (MoE %2 of %3)</source>
        <translation>%1（MoE 第 %2 层，共 %3 层）</translation>
    </message>
    <message>
        <source>No run yet.</source>
        <translation>尚未运行。</translation>
    </message>
    <message>
        <source>prompt %1 tok</source>
        <translation>提示词 %1 个词元</translation>
    </message>
    <message>
        <source>prefill %1 ms</source>
        <translation>预填充 %1 毫秒</translation>
    </message>
    <message>
        <source>first token %1 ms</source>
        <translation>首个词元 %1 毫秒</translation>
    </message>
    <message>
        <source>%1 generated</source>
        <translation>已生成 %1 个</translation>
    </message>
    <message>
        <source>%1 tok/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>end of text</source>
        <translation>文本结束</translation>
    </message>
    <message>
        <source>context full</source>
        <translation>上下文已满</translation>
    </message>
    <message>
        <source>Open GGUF model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <source>MoEScope sessions (*.moescope.json *.json);;All files (*)</source>
        <translation>MoEScope 会话 (*.moescope.json *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save session</source>
        <translation>保存会话</translation>
    </message>
    <message>
        <source>MoEScope sessions (*.moescope.json *.json)</source>
        <translation>MoEScope 会话 (*.moescope.json *.json)</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
    <message>
        <source>Could not save the session: %1</source>
        <translation>无法保存会话：%1</translation>
    </message>
    <message>
        <source>Export routing CSV</source>
        <translation>导出路由 CSV</translation>
    </message>
    <message>
        <source>Export latency CSV</source>
        <translation>导出延迟 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Could not export: %1</source>
        <translation>无法导出：%1</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Could not run the prompt.</source>
        <translation>无法运行该提示词。</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>详情：%1</translation>
    </message>
    <message>
        <source>Open &amp;Trace…</source>
        <translation>打开路由轨迹(&amp;T)…</translation>
    </message>
    <message>
        <source>Export Routing &amp;NPZ…</source>
        <translation>导出路由 NPZ(&amp;N)…</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>正在读取 %1…</translation>
    </message>
    <message>
        <source>Could not open the trace: %1</source>
        <translation>无法打开轨迹：%1</translation>
    </message>
    <message>
        <source>Opening %1 cancelled.</source>
        <translation>已取消打开 %1。</translation>
    </message>
    <message>
        <source>Opened trace %1: %2 tokens.</source>
        <translation>已打开轨迹 %1：%2 个词元。</translation>
    </message>
    <message>
        <source>Imported trace: no router probabilities, weights or timings.</source>
        <translation>导入的轨迹：没有路由概率、权重和计时。</translation>
    </message>
    <message>
        <source>Imported trace: no router probabilities (heatmaps show weights), no timings.</source>
        <translation>导入的轨迹：没有路由概率（热图显示权重），没有计时。</translation>
    </message>
    <message>
        <source>Imported trace: no timings.</source>
        <translation>导入的轨迹：没有计时。</translation>
    </message>
    <message>
        <source>Export routing .npz</source>
        <translation>导出路由 .npz</translation>
    </message>
    <message>
        <source>NumPy archives (*.npz)</source>
        <translation>NumPy 归档 (*.npz)</translation>
    </message>
    <message>
        <source>Open routing trace</source>
        <translation>打开路由轨迹</translation>
    </message>
    <message>
        <source>Routing traces (*.npz *.npy *.json *.csv);;NumPy (*.npz *.npy);;vLLM responses (*.json);;Routing CSV (*.csv)</source>
        <translation>路由轨迹 (*.npz *.npy *.json *.csv);;NumPy (*.npz *.npy);;vLLM 响应 (*.json);;路由 CSV (*.csv)</translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation>分析</translation>
    </message>
    <message>
        <source>What-if</source>
        <translation>假设分析</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Could not run the what-if.</source>
        <translation>无法运行假设分析。</translation>
    </message>
    <message>
        <source>Evaluating the what-if…</source>
        <translation>正在计算假设分析…</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>语料画像</translation>
    </message>
    <message>
        <source>&amp;Profile Corpus…</source>
        <translation>语料画像(&amp;P)…</translation>
    </message>
</context>
<context>
    <name>moe::gui::ModelCard</name>
    <message>
        <source>No model loaded</source>
        <translation>尚未加载模型</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>%1 (%2 MoE, %3 dense)</source>
        <translation>%1（%2 个 MoE 层，%3 个稠密层）</translation>
    </message>
    <message>
        <source>Experts</source>
        <translation>专家</translation>
    </message>
    <message>
        <source>%1 routed, top-%2</source>
        <translation>%1 个路由专家，每词元选 %2 个（top-%2）</translation>
    </message>
    <message>
        <source>, %1 shared</source>
        <translation>，%1 个共享专家</translation>
    </message>
    <message>
        <source>, normalized</source>
        <translation>，权重归一化</translation>
    </message>
    <message>
        <source>, scale %1</source>
        <translation>，缩放 %1</translation>
    </message>
    <message>
        <source>, groups %1/%2</source>
        <translation>，分组 %1/%2</translation>
    </message>
    <message>
        <source>, selection bias</source>
        <translation>，选择偏置</translation>
    </message>
    <message>
        <source>Gating</source>
        <translation>门控</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>Blocks</source>
        <translation>层结构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>%1 total, %2 active per token (%3% of the weights; the Compute tab&apos;s share of dense counts FLOPs, attention included)</source>
        <translation>共 %1，每个词元激活 %2（占权重的 %3%；“计算量”页中与稠密模型的比例按浮点运算计，包含注意力）</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重类型</translation>
    </message>
    <message>
        <source>%1 per token</source>
        <translation>每词元 %1</translation>
    </message>
    <message>
        <source> (full MHA: %1)</source>
        <translation>（完整 MHA：%1）</translation>
    </message>
    <message>
        <source>KV cache</source>
        <translation>KV 缓存</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>%1 tokens (trained)</source>
        <translation>%1 个词元（训练长度）</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>%1 tokens, %2</source>
        <translation>%1 个词元，%2</translation>
    </message>
    <message>
        <source>Multipliers</source>
        <translation>倍率</translation>
    </message>
    <message>
        <source>Weights in memory</source>
        <translation>权重存放</translation>
    </message>
    <message>
        <source>copied into 2 MiB pages at load (fewer TLB misses while decoding)</source>
        <translation>加载时复制到 2 MiB 大页（解码时 TLB 未命中更少）</translation>
    </message>
    <message>
        <source>read through the file mapping (4 KiB pages)</source>
        <translation>通过文件映射读取（4 KiB 页）</translation>
    </message>
    <message>
        <source>Row groups</source>
        <translation>行分组</translation>
    </message>
    <message>
        <source>%1 tensors stored 16 rows at a time, interleaved (faster 8-bit products)</source>
        <translation>%1 个张量以 16 行为一组交错存放（8 位乘积更快）</translation>
    </message>
</context>
<context>
    <name>moe::gui::ModelLineChart</name>
    <message>
        <source>selected token</source>
        <translation>所选词元</translation>
    </message>
    <message>
        <source>No data yet. Run a prompt (Ctrl+Enter) or click a sample prompt.</source>
        <translation>暂无数据。运行一个提示词（Ctrl+Enter）或点击一个示例提示词。</translation>
    </message>
</context>
<context>
    <name>moe::gui::P</name>
    <message>
        <source>Exported %1.</source>
        <translation>已导出 %1。</translation>
    </message>
</context>
<context>
    <name>moe::gui::Page</name>
    <message>
        <source>CSV…</source>
        <translation>CSV…</translation>
    </message>
    <message>
        <source>Export this table as CSV</source>
        <translation>将此表导出为 CSV</translation>
    </message>
    <message>
        <source>Export %1</source>
        <translation>导出 %1</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>no table named %1</source>
        <translation>没有名为 %1 的表</translation>
    </message>
</context>
<context>
    <name>moe::gui::ProfileDialog</name>
    <message>
        <source>Profile Corpus</source>
        <translation>语料画像</translation>
    </message>
    <message>
        <source>Every document is evaluated teacher-forced, and each token&apos;s routing is counted for its domain. Name a domain per file or folder; leave it empty for JSONL files that carry their own &quot;domain&quot; fields.</source>
        <translation>每篇文档都以教师强制方式计算，每个词元的路由计入其所属领域。请为每个文件或文件夹命名一个领域；自带 &quot;domain&quot; 字段的 JSONL 文件可留空。</translation>
    </message>
    <message>
        <source>File or folder</source>
        <translation>文件或文件夹</translation>
    </message>
    <message>
        <source>Domain</source>
        <translation>领域</translation>
    </message>
    <message>
        <source>Add Files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Add Folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Use the Bundled Samples</source>
        <translation>使用自带样本</translation>
    </message>
    <message>
        <source>English, Chinese, code and arithmetic samples the demo model never trained on (resources/corpus/)</source>
        <translation>演示模型从未训练过的英文、中文、代码和算术样本（resources/corpus/）</translation>
    </message>
    <message>
        <source>Corpus files</source>
        <translation>语料文件</translation>
    </message>
    <message>
        <source>Text or JSONL (*.txt *.jsonl *.md);;All files (*)</source>
        <translation>文本或 JSONL (*.txt *.jsonl *.md);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Corpus folder</source>
        <translation>语料文件夹</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 个词元</translation>
    </message>
    <message>
        <source>Window length</source>
        <translation>窗口长度</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>开始画像</translation>
    </message>
</context>
<context>
    <name>moe::gui::ProfileLayersModel</name>
    <message>
        <source>%1, layer %2: E%3 is among the chosen experts of %4 of the domain&apos;s %5 tokens</source>
        <translation>%1，第 %2 层：该领域 %5 个词元中的 %4 选中了 E%3</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Mutual information I(domain; rank-0 expert) in bits: 0 when the router ignores the domain</source>
        <translation>领域与首选专家的互信息 I(领域; 首选专家)，单位比特：路由器不区分领域时为 0</translation>
    </message>
    <message>
        <source>MI (bits)</source>
        <translation>互信息（比特）</translation>
    </message>
</context>
<context>
    <name>moe::gui::ProfilePage</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop profiling; the previous profile stays</source>
        <translation>停止画像；保留之前的画像</translation>
    </message>
    <message>
        <source>Profile Corpus…</source>
        <translation>语料画像…</translation>
    </message>
    <message>
        <source>Pick files or folders, name their domains, and profile them</source>
        <translation>选择文件或文件夹，命名其领域并进行画像</translation>
    </message>
    <message>
        <source>Profile the Bundled Samples</source>
        <translation>画像自带样本</translation>
    </message>
    <message>
        <source>English, Chinese, code and arithmetic samples (resources/corpus/) in one click</source>
        <translation>一键使用英文、中文、代码和算术样本（resources/corpus/）</translation>
    </message>
    <message>
        <source>Domain × expert</source>
        <translation>领域 × 专家</translation>
    </message>
    <message>
        <source>The share of each domain&apos;s tokens that the expert handles in the selected layer; a router blind to domains gives every cell k/N. Right-click an expert to disable it.</source>
        <translation>所选层中各领域词元由该专家处理的比例；与领域无关的路由器在每格都给出 k/N。右键点击专家可将其禁用。</translation>
    </message>
    <message>
        <source>Specialisation per layer</source>
        <translation>逐层专业化</translation>
    </message>
    <message>
        <source>Mutual information between domain and rank-0 expert, and each domain&apos;s busiest expert with its share.</source>
        <translation>领域与首选专家之间的互信息，以及各领域最繁忙的专家及其占比。</translation>
    </message>
    <message>
        <source>click a row for its layer, a domain&apos;s cell for its expert</source>
        <translation>点击一行选中该层，点击领域单元格选中其专家</translation>
    </message>
    <message>
        <source>Expert map</source>
        <translation>专家地图</translation>
    </message>
    <message>
        <source>Every expert of the selected layer placed by PCA of its share of each domain and of frequent tokens: experts that serve the same inputs land close together.</source>
        <translation>所选层的每个专家按其在各领域和常见词元上的占比做主成分分析后定位：服务相同输入的专家彼此靠近。</translation>
    </message>
    <message>
        <source>Expert in every layer (profile)</source>
        <translation>专家在各层（画像）</translation>
    </message>
    <message>
        <source>The selected expert&apos;s load, share and rank in each MoE layer over the corpus.</source>
        <translation>所选专家在语料上每个 MoE 层的负载、占比和排名。</translation>
    </message>
    <message>
        <source>Expert&apos;s top tokens (profile)</source>
        <translation>专家的常见词元（画像）</translation>
    </message>
    <message>
        <source>The corpus tokens the selected expert handles most often, and most consistently.</source>
        <translation>所选专家在语料中处理次数最多、最稳定的词元。</translation>
    </message>
    <message>
        <source>reading the corpus…</source>
        <translation>正在读取语料…</translation>
    </message>
    <message>
        <source>%1 of %2 tokens · %3 tok/s · %4 left</source>
        <translation>%1 / %2 个词元 · %3 词元/秒 · 剩余 %4</translation>
    </message>
    <message>
        <source>Could not profile the corpus: %1</source>
        <translation>无法为语料画像：%1</translation>
    </message>
    <message>
        <source>Profiling cancelled; the previous profile is kept.</source>
        <translation>画像已取消；保留之前的画像。</translation>
    </message>
    <message>
        <source>Profiled in %1.</source>
        <translation>画像用时 %1。</translation>
    </message>
    <message>
        <source>Profiling the corpus on the inference thread…</source>
        <translation>正在推理线程上为语料画像…</translation>
    </message>
    <message>
        <source>Analysing the profile…</source>
        <translation>正在分析画像…</translation>
    </message>
    <message>
        <source>No corpus profile. Load a model, then File → Profile Corpus….</source>
        <translation>没有语料画像。请先加载模型，然后选择 文件 → 语料画像…。</translation>
    </message>
    <message>
        <source>No corpus profile yet: File → Profile Corpus…, or profile the bundled samples.</source>
        <translation>还没有语料画像：选择 文件 → 语料画像…，或画像自带样本。</translation>
    </message>
    <message>
        <source>%1 tokens in %2 windows, domains: %3.</source>
        <translation>%2 个窗口中的 %1 个词元，领域：%3。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>no profile</source>
        <translation>没有画像</translation>
    </message>
    <message>
        <source>layer %1; k/N = %2%</source>
        <translation>第 %1 层；k/N = %2%</translation>
    </message>
    <message>
        <source>layer %1: colour = dominant domain, size = load; %2% of the variance shown; click a point to inspect it</source>
        <translation>第 %1 层：颜色 = 主导领域，大小 = 负载；显示了 %2% 的方差；点击一个点查看</translation>
    </message>
    <message>
        <source>E%1</source>
        <translation>E%1</translation>
    </message>
    <message>
        <source>E%1 in layer %2</source>
        <translation>第 %2 层的 E%1</translation>
    </message>
</context>
<context>
    <name>moe::gui::PromptPanel</name>
    <message>
        <source>Type a prompt, then press Ctrl+Enter</source>
        <translation>输入提示词，然后按 Ctrl+Enter</translation>
    </message>
    <message>
        <source>0 (greedy)</source>
        <translation>0（贪心）</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>How many tokens to generate after the prompt (at most what the context leaves)</source>
        <translation>在提示词之后生成多少个词元（不超过上下文剩余的长度）</translation>
    </message>
    <message>
        <source>Randomness of sampling: 0 always takes the most likely token (greedy)</source>
        <translation>采样的随机程度：0 表示总是选概率最高的词元（贪心）</translation>
    </message>
    <message>
        <source>Sample only among the k most likely tokens (off: all tokens)</source>
        <translation>只在概率最高的 k 个词元中采样（关闭：所有词元）</translation>
    </message>
    <message>
        <source>Sample only among the most likely tokens whose probabilities add up to p</source>
        <translation>只在累计概率达到 p 的高概率词元中采样</translation>
    </message>
    <message>
        <source>Seed of the random sampler: the same seed repeats the same output</source>
        <translation>随机采样的种子：相同的种子得到相同的输出</translation>
    </message>
    <message>
        <source>Max tokens</source>
        <translation>最多词元数</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Run the prompt (Ctrl+Enter)</source>
        <translation>运行提示词（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Arithmetic</source>
        <translation>算术</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>示例：</translation>
    </message>
    <message>
        <source>Run this %1 sample prompt</source>
        <translation>运行这个%1示例提示词</translation>
    </message>
    <message>
        <source>Exact F32 activations</source>
        <translation>精确 F32 激活值</translation>
    </message>
    <message>
        <source>Keep activations in F32 instead of quantizing them as llama.cpp does: slower, for bit-careful comparisons (moescope-cli --exact)</source>
        <translation>激活值保持 F32，不像 llama.cpp 那样量化：更慢，用于逐位精确的比较（moescope-cli --exact）</translation>
    </message>
</context>
<context>
    <name>moe::gui::RoutingGuide</name>
    <message>
        <source>token</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>router</source>
        <translation>路由器</translation>
    </message>
    <message>
        <source>router scores for %1 experts; the top %2 run (orange)</source>
        <translation>路由器对 %1 个专家的打分；得分最高的 %2 个参与计算（橙色）</translation>
    </message>
    <message>
        <source>shared: always runs</source>
        <translation>共享专家：始终参与</translation>
    </message>
    <message>
        <source>One MoE layer: only the chosen experts compute; their outputs are added, weighted by the gate.</source>
        <translation>一个 MoE 层：只有被选中的专家参与计算，其输出按门控权重加权求和。</translation>
    </message>
    <message>
        <source>How MoE routing works</source>
        <translation>MoE 路由原理</translation>
    </message>
    <message>
        <source>See: %1</source>
        <translation>参见：%1</translation>
    </message>
    <message>
        <source>In &lt;b&gt;%1&lt;/b&gt;, each token goes through %2 of %3 routed experts per MoE layer, so it multiplies %4 of the %5 parameters: &lt;b&gt;%6%&lt;/b&gt; of the model is active per token.</source>
        <translation>在 &lt;b&gt;%1&lt;/b&gt; 中，每个词元在每个 MoE 层只经过 %3 个路由专家中的 %2 个，因此只用到 %5 个参数中的 %4 个：每个词元的&lt;b&gt;激活参数&lt;/b&gt;占模型的 &lt;b&gt;%6%&lt;/b&gt;。</translation>
    </message>
    <message>
        <source>Load a model to see its own numbers here.</source>
        <translation>加载模型后，这里会显示该模型自己的数字。</translation>
    </message>
    <message>
        <source>The router</source>
        <translation>路由器</translation>
    </message>
    <message>
        <source>A Mixture-of-Experts (MoE) layer replaces the one feed-forward network (FFN) of a transformer block with many smaller FFNs, the &lt;i&gt;experts&lt;/i&gt;. A small linear layer, the &lt;i&gt;router&lt;/i&gt;, scores every expert for every token.</source>
        <translation>混合专家（MoE）层把 Transformer 块中唯一的前馈网络（FFN）换成许多较小的 FFN，即&lt;i&gt;专家&lt;/i&gt;。一个小的线性层，即&lt;i&gt;路由器&lt;/i&gt;，为每个词元给每个专家打分。</translation>
    </message>
    <message>
        <source>Top-k: why it saves compute</source>
        <translation>Top-k：为什么能节省计算</translation>
    </message>
    <message>
        <source>Only the k experts with the highest scores run for a token; the others are skipped. The model keeps the knowledge of all its experts but pays for only k of them: it is &lt;i&gt;sparse&lt;/i&gt;.</source>
        <translation>每个词元只运行得分最高的 k 个专家，其余专家跳过。模型保有全部专家的知识，却只为其中 k 个付出计算：这就是&lt;i&gt;稀疏&lt;/i&gt;激活。</translation>
    </message>
    <message>
        <source> The Compute tab counts FLOPs, which include attention, so its share of dense is higher.</source>
        <translation> “计算量”页统计的是浮点运算量，其中包括注意力，所以它与稠密模型的比例更高。</translation>
    </message>
    <message>
        <source>Gating</source>
        <translation>门控</translation>
    </message>
    <message>
        <source>The gate turns the router&apos;s scores into weights: softmax probabilities (Mixtral, Qwen) or sigmoid scores (DeepSeek-V3), often renormalised over the chosen k. The chosen experts&apos; outputs are added up with these weights. &lt;i&gt;Show → applied weight&lt;/i&gt; switches the heatmaps from the router probability to these weights.</source>
        <translation>门控把路由器的打分变成权重：softmax 概率（Mixtral、Qwen）或 sigmoid 分数（DeepSeek-V3），通常再在选中的 k 个专家上重新归一化。被选中专家的输出按这些权重相加。&lt;i&gt;显示 → 实际权重&lt;/i&gt;可把热力图从路由概率切换为这些权重。</translation>
    </message>
    <message>
        <source>Shared experts</source>
        <translation>共享专家</translation>
    </message>
    <message>
        <source>DeepSeek and Qwen2-MoE also have &lt;i&gt;shared experts&lt;/i&gt; that every token passes through. They hold what all tokens need, so the routed experts are free to specialise. In the heatmaps they are the S columns after the black line.</source>
        <translation>DeepSeek 和 Qwen2-MoE 还有所有词元都会经过的&lt;i&gt;共享专家&lt;/i&gt;。它们承担所有词元都需要的通用知识，让路由专家可以各自专精。在热力图中，它们是黑线之后的 S 列。</translation>
    </message>
    <message>
        <source>Load balance</source>
        <translation>负载均衡</translation>
    </message>
    <message>
        <source>If the router sent most tokens to a few experts, the others would sit idle and learn little. Training therefore adds a load-balancing loss (DeepSeek-V3: a bias on the selection scores) so that tokens spread over the experts. Expert load shows how evenly this run spread them.</source>
        <translation>如果路由器把大多数词元都送给少数几个专家，其余专家就会闲置、学不到东西。因此训练时会加入负载均衡损失（DeepSeek-V3 则在选择分数上加偏置），让词元分散到各个专家。“专家负载”显示本次运行分配得是否均匀。</translation>
    </message>
    <message>
        <source>Specialisation</source>
        <translation>专家分工</translation>
    </message>
    <message>
        <source>Experts tend to specialise: digits, Chinese characters, code keywords and punctuation often go to different experts. Run the sample prompts and compare the chip colours and the rows of the token × expert view.</source>
        <translation>专家往往各有所长：数字、汉字、代码关键字和标点常常被送往不同的专家。运行示例提示词，比较词元块的颜色和词元 × 专家视图中的各行。</translation>
    </message>
    <message>
        <source>How to read each view</source>
        <translation>如何阅读各个视图</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>moe::gui::RoutingOverridesBox</name>
    <message>
        <source>Routing what-if</source>
        <translation>路由假设分析</translation>
    </message>
    <message>
        <source>Experts each token is routed to (model: the model&apos;s own top-k)</source>
        <translation>每个词元路由到的专家数（模型：模型自身的 top-k）</translation>
    </message>
    <message>
        <source>Dense (every expert)</source>
        <translation>稠密（运行全部专家）</translation>
    </message>
    <message>
        <source>Right-click an expert in a routing heatmap to disable or enable it</source>
        <translation>在路由热力图中右键单击专家即可禁用或启用它</translation>
    </message>
    <message>
        <source>Enable all</source>
        <translation>全部启用</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已禁用</translation>
    </message>
    <message>
        <source>Run what-if</source>
        <translation>运行假设分析</translation>
    </message>
    <message>
        <source>Evaluate the current run&apos;s tokens again under these overrides and compare, token by token</source>
        <translation>在这些路由设置下重新计算当前运行的词元，并逐个词元对比</translation>
    </message>
    <message>
        <source>model (%1)</source>
        <translation>模型（%1）</translation>
    </message>
    <message>
        <source>E%1 in L%2</source>
        <translation>L%2 的 E%1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 of %2 positions</source>
        <translation>%1 / %2 个位置</translation>
    </message>
</context>
<context>
    <name>moe::gui::RoutingPage</name>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>The prompt and the output as token chips, each filled with the colour of its top expert.</source>
        <translation>以词元块显示提示词和输出，每块填充其首选专家的颜色。</translation>
    </message>
    <message>
        <source>colour = top expert in the selected layer; dashed = prompt</source>
        <translation>颜色 = 所选层中的首选专家；虚线框 = 提示词</translation>
    </message>
    <message>
        <source>Layer × expert</source>
        <translation>层 × 专家</translation>
    </message>
    <message>
        <source>How the router scored every expert for the selected token, in every MoE layer.</source>
        <translation>所选词元在每个 MoE 层中，路由器给每个专家的打分。</translation>
    </message>
    <message>
        <source>Expert load</source>
        <translation>专家负载</translation>
    </message>
    <message>
        <source>How many tokens of the session each expert received, per MoE layer.</source>
        <translation>本次会话中每个 MoE 层的每个专家各接收了多少词元。</translation>
    </message>
    <message>
        <source>tokens routed to each expert so far</source>
        <translation>迄今路由到各专家的词元数</translation>
    </message>
    <message>
        <source>counts</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>shares</source>
        <translation>占比</translation>
    </message>
    <message>
        <source>Token × expert</source>
        <translation>词元 × 专家</translation>
    </message>
    <message>
        <source>The selected layer&apos;s routing of every token over time, tokens left to right.</source>
        <translation>所选层中每个词元随时间的路由情况，词元从左到右排列。</translation>
    </message>
    <message>
        <source>token %1 “%2”%3</source>
        <translation>词元 %1“%2”%3</translation>
    </message>
    <message>
        <source> (newest)</source>
        <translation>（最新）</translation>
    </message>
    <message>
        <source>no token yet</source>
        <translation>尚无词元</translation>
    </message>
    <message>
        <source>layer %1; scroll or Ctrl+wheel to zoom</source>
        <translation>第 %1 层；滚动浏览，Ctrl+滚轮缩放</translation>
    </message>
    <message>
        <source>probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>词元数</translation>
    </message>
    <message>
        <source>share</source>
        <translation>占比</translation>
    </message>
</context>
<context>
    <name>moe::gui::RunComparisonModel</name>
    <message>
        <source>Pick two runs.</source>
        <translation>请选择两次运行。</translation>
    </message>
    <message>
        <source>These runs cannot be compared: their models have different MoE layers.</source>
        <translation>无法对比这两次运行：它们的模型 MoE 层不同。</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Set agreement</source>
        <translation>集合一致度</translation>
    </message>
    <message>
        <source>Top-1 agreement</source>
        <translation>首选一致度</translation>
    </message>
    <message>
        <source>Jaccard</source>
        <translation>杰卡德系数</translation>
    </message>
</context>
<context>
    <name>moe::gui::RunDiffView</name>
    <message>
        <source>Pick two runs of this session above.</source>
        <translation>请在上方选择本会话中的两次运行。</translation>
    </message>
    <message>
        <source>token position 0 … %1 →</source>
        <translation>词元位置 0 … %1 →</translation>
    </message>
    <message>
        <source>expert 0 … %1</source>
        <translation>专家 0 … %1</translation>
    </message>
    <message>
        <source>A only</source>
        <translation>仅 A</translation>
    </message>
    <message>
        <source>B only</source>
        <translation>仅 B</translation>
    </message>
    <message>
        <source>both</source>
        <translation>两者</translation>
    </message>
    <message>
        <source>first divergence</source>
        <translation>首次分歧</translation>
    </message>
</context>
<context>
    <name>moe::gui::RunListModel</name>
    <message>
        <source>what-if</source>
        <translation>假设分析</translation>
    </message>
    <message>
        <source>generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Routing</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
</context>
<context>
    <name>moe::gui::TimingPage</name>
    <message>
        <source>token (step)</source>
        <translation>词元（步）</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>prefill (batch time split evenly)</source>
        <translation>预填充（整批耗时平均分摊）</translation>
    </message>
    <message>
        <source>decode</source>
        <translation>解码</translation>
    </message>
    <message>
        <source>Latency per token</source>
        <translation>每词元延迟</translation>
    </message>
    <message>
        <source>How long each prompt and output token took to evaluate.</source>
        <translation>每个提示词词元和输出词元的计算耗时。</translation>
    </message>
    <message>
        <source>wall time of each evaluated token</source>
        <translation>每个已计算词元的实际耗时</translation>
    </message>
    <message>
        <source>Time per layer</source>
        <translation>每层耗时</translation>
    </message>
    <message>
        <source>Where the time of a token goes, block by block (attention + FFN).</source>
        <translation>一个词元的时间花在哪里，逐块显示（注意力 + FFN）。</translation>
    </message>
    <message>
        <source>this trace has no timings</source>
        <translation>此轨迹没有计时数据</translation>
    </message>
    <message>
        <source>median wall time per block (attention + FFN); a whisker spans the middle half of decode tokens</source>
        <translation>每块实际耗时的中位数（注意力 + FFN）；误差线标出中间一半解码词元的范围</translation>
    </message>
</context>
<context>
    <name>moe::gui::TokenListModel</name>
    <message>
        <source>prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>generated</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Top expert (layer %1)</source>
        <translation>首选专家（第 %1 层）</translation>
    </message>
    <message>
        <source>Top weight (layer %1)</source>
        <translation>首选权重（第 %1 层）</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Pos</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Token id</source>
        <translation>词元 ID</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Top expert</source>
        <translation>首选专家</translation>
    </message>
    <message>
        <source>Top weight</source>
        <translation>首选权重</translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation>耗时（毫秒）</translation>
    </message>
</context>
<context>
    <name>moe::gui::TokenStripView</name>
    <message>
        <source>Prompt and output tokens appear here, coloured by their top expert. Try a sample prompt in the Prompt dock.</source>
        <translation>提示词和输出的词元会显示在这里，颜色表示其首选专家。试试“提示词”面板中的示例提示词。</translation>
    </message>
</context>
<context>
    <name>moe::gui::ViewPanel</name>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Save this view as PNG or SVG</source>
        <translation>将此视图保存为 PNG 或 SVG</translation>
    </message>
    <message>
        <source>Export %1</source>
        <translation>导出 %1</translation>
    </message>
    <message>
        <source>PNG image (*.png);;SVG drawing (*.svg)</source>
        <translation>PNG 图像 (*.png);;SVG 矢量图 (*.svg)</translation>
    </message>
</context>
<context>
    <name>moe::gui::WhatIfModel</name>
    <message>
        <source>No what-if run yet: set routing overrides and press Run what-if.</source>
        <translation>尚无假设分析：设置路由选项后点击“运行假设分析”。</translation>
    </message>
    <message>
        <source>%1 · mean KL %2 nats · greedy choice changed at %3 of %4 positions (%5) · FLOPs saved %6 (%7) · weight bytes saved %8 (%9)</source>
        <translation>%1 · 平均 KL %2 奈特 · 贪心选择在 %4 个位置中改变了 %3 个（%5）· 节省 FLOPs %6（%7）· 节省权重字节 %8（%9）</translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <source>same</source>
        <translation>相同</translation>
    </message>
    <message>
        <source>changed</source>
        <translation>已改变</translation>
    </message>
    <message>
        <source>Pos</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Next token</source>
        <translation>下一个词元</translation>
    </message>
    <message>
        <source>KL (nats)</source>
        <translation>KL（奈特）</translation>
    </message>
    <message>
        <source>Δ log p(next)</source>
        <translation>Δ log p(下一个)</translation>
    </message>
    <message>
        <source>Greedy choice</source>
        <translation>贪心选择</translation>
    </message>
    <message>
        <source>Routing</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>FLOPs saved</source>
        <translation>节省的 FLOPs</translation>
    </message>
    <message>
        <source>Weight bytes saved</source>
        <translation>节省的权重字节</translation>
    </message>
</context>
<context>
    <name>moe::gui::WhatIfPage</name>
    <message>
        <source>What-if</source>
        <translation>假设分析</translation>
    </message>
    <message>
        <source>The current run&apos;s tokens evaluated again under the routing overrides, teacher-forced: per position, how far the next-token distribution moved (KL, baseline ‖ what-if), the change in the baseline token&apos;s log-probability, whether the greedy choice changed, and the work saved</source>
        <translation>在路由设置下以教师强制方式重新计算当前运行的词元：每个位置下一个词元分布的变化（KL，基线 ‖ 假设）、基线词元对数概率的变化、贪心选择是否改变，以及节省的计算量</translation>
    </message>
</context>
</TS>
