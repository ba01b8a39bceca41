"""Co-clustering of words x hidden units from the signed expected-response matrix R.

Edge weighting (docs/method.md, step 4; decided here): we keep R *signed*. Weighting by |R| groups
words by how much they move a unit, not which way, so positive and negative sentiment words
land in one cluster; shifting R to be non-negative (as RNNVis fed scikit-learn) buries the
block structure under a constant. Instead we normalise R by degrees taken from |R|
(An = D1^-1/2 R D2^-1/2, as Dhillon 2001 does for non-negative graphs, so words and units
with large overall responses do not dominate), take the leading singular vectors of An by a
randomized SVD, and run k-means on the spectral embedding of the rows (D1^-1/2 U S) and,
separately, of the columns (D2^-1/2 V S). Rows and columns are clustered apart because a
negative block puts its words at +x and its units at -x in a joint embedding. Word cluster i
is then paired with unit cluster i by a Hungarian matching on |block mean|, so a co-cluster
is the unit group its words drive most strongly, up or down.

Optionally (n_neighbors; issue 14) words are clustered on their shared-nearest-neighbour graph
instead: each word's nearest words by cosine in that embedding, two words linked by how many
neighbours they share, and k-means on the graph's leading eigenvectors. On the language models it
agrees better with parts of speech (docs/analysis.md, "Co-cluster quality on real models").

Unlike scikit-learn's SpectralCoclustering (1 + ceil(log2 k) vectors, 10 k-means restarts on
a full ARPACK SVD) we use k vectors, a cached decomposition (re-clustering with another k
runs only k-means) and a fast k-means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlens.analysis.kmeans import kmeans
from rnnlens.analysis.randomized_svd import randomized_svd

# Decompose once with this many components so that changing k up to it costs only k-means.
DEFAULT_COMPONENTS = 20
# With n_neighbors set, words are clustered on their shared-nearest-neighbour graph (`word_graph`,
# each word's neighbours by cosine) when there are GRAPH_MIN_ROWS..GRAPH_MAX_ROWS of them; otherwise,
# as units always are, by k-means on the spectral embedding. Finding the neighbours costs words^2:
# above GRAPH_MAX_ROWS it would take most of the time of a fit. WORD_GRAPH_NEIGHBORS is the tuned
# neighbourhood (docs/analysis.md, "Co-cluster quality on real models": ahead of the RNNVis recipe
# by 0.05-0.10 purity against parts of speech at 1,000 words) and the default. A shipped labelling
# must be what the service's co-clustering computes: METHOD names the fit, shipped labels record it
# (store/shipped_stats.py), and labels fitted otherwise are refitted, not served.
WORD_GRAPH_NEIGHBORS = 10
DEFAULT_NEIGHBORS: int | None = WORD_GRAPH_NEIGHBORS
GRAPH_MIN_ROWS = 4 * WORD_GRAPH_NEIGHBORS
GRAPH_MAX_ROWS = 2500
DENSE_EIGEN_ROWS = 400  # up to this many words the graph's eigenvectors come from LAPACK, above from Lanczos
# What a default fit is (bump the version when the algorithm's results change for the same input).
METHOD = f"signed-spectral-2;components={DEFAULT_COMPONENTS};word-graph={DEFAULT_NEIGHBORS}"


@dataclass
class SpectralDecomposition:
    """The expensive part, kept so re-clustering with another k skips it."""

    row_scale: np.ndarray  # D1^-1/2 (n,)
    column_scale: np.ndarray  # D2^-1/2 (m,)
    u: np.ndarray  # (n, c)
    s: np.ndarray  # (c,)
    vt: np.ndarray  # (c, m)

    @property
    def n_components(self) -> int:
        return int(self.s.shape[0])


def _absolute_sums(data: np.ndarray, block_rows: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums of |data|, a block of rows at a time (no full-size temporary)."""
    rows = np.empty(data.shape[0])
    columns = np.zeros(data.shape[1])
    for start in range(0, data.shape[0], block_rows):
        block = np.abs(data[start:start + block_rows])
        rows[start:start + block_rows] = block.sum(axis=1)
        columns += block.sum(axis=0)
    return rows, columns


def decompose(matrix: np.ndarray, n_components: int, rng: np.random.Generator) -> SpectralDecomposition:
    """Degree-normalise the signed matrix (degrees from |R|) and take its leading singular triplets."""
    data = np.asarray(matrix)
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float64)
    row_degree, column_degree = _absolute_sums(data)
    if not (np.isfinite(row_degree).all() and np.isfinite(column_degree).all()):
        raise ValueError("co-clustering needs a finite matrix (it holds NaN or infinity)")
    row_scale = np.divide(1.0, np.sqrt(row_degree), out=np.zeros_like(row_degree), where=row_degree > 0)
    column_scale = np.divide(1.0, np.sqrt(column_degree), out=np.zeros_like(column_degree),
                             where=column_degree > 0)
    u, s, vt = randomized_svd(data, n_components, rng, row_scale=row_scale, column_scale=column_scale)
    return SpectralDecomposition(row_scale, column_scale, u.astype(np.float64), s.astype(np.float64),
                                 vt.astype(np.float64))


def _embedding(vectors: np.ndarray, singular: np.ndarray, scale: np.ndarray) -> np.ndarray:
    # Unit length rows (Ng, Jordan & Weiss): a word's direction, not its degree, says its cluster.
    return _unit_rows(vectors * singular[None, :] * scale[:, None])


def _nearest_neighbors(points: np.ndarray, q: int, block_rows: int = 1024) -> np.ndarray:
    """(n, q): each row's q nearest other rows by dot product (points have unit length: cosine)."""
    n = points.shape[0]
    out = np.empty((n, q), dtype=np.int64)
    for start in range(0, n, block_rows):
        similarity = points[start:start + block_rows] @ points.T
        rows = np.arange(similarity.shape[0])
        similarity[rows, start + rows] = -np.inf
        out[start:start + block_rows] = np.argpartition(-similarity, q - 1, axis=1)[:, :q]
    return out


@dataclass
class WordGraph:
    """The words' normalised shared-nearest-neighbour graph D^-1/2 W D^-1/2 and its leading
    eigenvectors, kept per count asked for: labels for a k are the same whether it is the first k
    fitted or a later one (the first k of more vectors could differ in the last digits)."""

    normalised: Any  # scipy.sparse CSR matrix (n, n)
    known: np.ndarray  # (n, components): the eigenvalue-1 eigenvectors, one per connected component
    vectors: dict[int, np.ndarray] = field(default_factory=dict)

    def leading(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """(n, count) leading eigenvectors, largest eigenvalue first (fewer if the graph is smaller)."""
        count = min(count, self.normalised.shape[0] - 1)
        if count not in self.vectors:
            self.vectors[count] = self._compute(count, rng)
        return self.vectors[count]

    def _compute(self, count: int, rng: np.random.Generator) -> np.ndarray:
        # Each connected component contributes eigenvalue 1 with vector sqrt(degree) on it. Lanczos,
        # from one start vector, finds a repeated eigenvalue only once, so these (well separated data:
        # one component per cluster) are written down and the rest come from the graph without them.
        known = self.known[:, :count]
        rest = count - known.shape[1]
        n = known.shape[0]
        if rest <= 0:
            return known
        if n <= DENSE_EIGEN_ROWS or n - known.shape[1] <= rest + 1:
            from scipy.linalg import eigh

            values, vectors = eigh(self.normalised.toarray() - known @ known.T, subset_by_index=[n - rest, n - 1],
                                   driver="evr")
        else:
            from scipy.sparse.linalg import LinearOperator, eigsh

            graph = self.normalised
            deflated = LinearOperator((n, n), dtype=np.float64, matvec=lambda x: graph @ x - known @ (known.T @ x))
            draw = np.asarray(rng.random(n)) + 0.5
            start = draw - known @ (known.T @ draw)
            values, vectors = eigsh(deflated, k=rest, which="LA", v0=start)
        return np.hstack([known, vectors[:, np.argsort(-values, kind="stable")]])


def word_graph(points: np.ndarray, n_neighbors: int) -> WordGraph:
    """Shared-nearest-neighbour graph of the rows of `points` (Jarvis & Patrick 1973; as Seurat
    clusters cells): rows i and j are linked when either is among the other's q nearest by cosine,
    with weight |N(i) & N(j)|, each neighbourhood counting its own row. Two words are alike when
    their neighbourhoods overlap, not merely when they are close, so a few words with large
    responses do not pull a cluster and a chain of near neighbours does not merge two groups.
    Clustered by the leading eigenvectors of D^-1/2 W D^-1/2 (Ng, Jordan & Weiss)."""
    import scipy.sparse as sparse
    from scipy.sparse.csgraph import connected_components

    n = points.shape[0]
    q = min(n_neighbors, n - 1)
    own = np.hstack([np.arange(n)[:, None], _nearest_neighbors(_unit_rows(points), q)])  # (n, q + 1)
    member = np.zeros((n, n), dtype=bool)
    member[np.arange(n)[:, None], own] = True
    linked = member | member.T
    np.fill_diagonal(linked, False)
    rows, columns = np.nonzero(linked)
    shared = member[columns[:, None], own[rows]].sum(axis=1).astype(np.float64)  # |N(i) & N(j)| >= 1
    root = np.sqrt(np.bincount(rows, weights=shared, minlength=n))
    normalised = sparse.csr_matrix((shared / (root[rows] * root[columns]), (rows, columns)), shape=(n, n))
    count, component = connected_components(normalised, directed=False)
    known = np.zeros((n, count))
    for column, label in enumerate(np.argsort(-np.bincount(component, minlength=count), kind="stable")):
        on = component == label
        known[on, column] = root[on] / np.linalg.norm(root[on])
    return WordGraph(normalised, known)


def _unit_rows(points: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(points, axis=1, keepdims=True)
    return np.divide(points, norms, out=np.zeros_like(points), where=norms > 0)


def block_means(matrix: np.ndarray, row_labels: np.ndarray, column_labels: np.ndarray, k: int) -> np.ndarray:
    """(k, k): mean of `matrix` over each block (row cluster a, column cluster b); 0 for empty blocks."""
    data = np.asarray(matrix)
    dtype = data.dtype if data.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    rows = np.zeros((k, data.shape[0]), dtype=dtype)
    rows[row_labels, np.arange(data.shape[0])] = 1.0
    cols = np.zeros((data.shape[1], k), dtype=dtype)
    cols[np.arange(data.shape[1]), column_labels] = 1.0
    sums = ((rows @ data.astype(dtype, copy=False)) @ cols).astype(np.float64)
    sizes = np.outer(rows.sum(axis=1, dtype=np.float64), cols.sum(axis=0, dtype=np.float64))
    return np.divide(sums, sizes, out=np.zeros_like(sums), where=sizes > 0)


def _low_rank_block_means(d: SpectralDecomposition, rows: np.ndarray, columns: np.ndarray, k: int) -> np.ndarray:
    row_weight = np.divide(1.0, d.row_scale, out=np.zeros_like(d.row_scale), where=d.row_scale > 0)
    column_weight = np.divide(1.0, d.column_scale, out=np.zeros_like(d.column_scale), where=d.column_scale > 0)
    row_members = np.zeros((k, rows.size))
    row_members[rows, np.arange(rows.size)] = 1.0
    column_members = np.zeros((columns.size, k))
    column_members[np.arange(columns.size), columns] = 1.0
    left = row_members @ (d.u * row_weight[:, None])  # (k, c)
    right = (d.vt * column_weight[None, :]) @ column_members  # (c, k)
    sums = (left * d.s[None, :]) @ right
    sizes = np.outer(np.bincount(rows, minlength=k), np.bincount(columns, minlength=k))
    return np.divide(sums, sizes, out=np.zeros_like(sums), where=sizes > 0)


class SignedSpectralCocluster:
    """Spectral co-clustering of a signed matrix, in scikit-learn's estimator style.

    fit(X) learns `row_labels_` (n,) and `column_labels_` (m,) with row cluster i paired to
    column cluster i; `recluster(k)` changes k reusing the cached decomposition.
    """

    def __init__(self, n_clusters: int = 8, n_components: int | None = None, n_init: int = 3,
                 random_state: int | None = 0, n_neighbors: int | None = DEFAULT_NEIGHBORS):
        self.n_clusters = n_clusters
        self.n_components = n_components
        self.n_init = n_init
        self.random_state = random_state
        # Words are clustered on their shared-nearest-neighbour graph (`word_graph`) with this many
        # neighbours when there are GRAPH_MIN_ROWS..GRAPH_MAX_ROWS of them (WORD_GRAPH_NEIGHBORS
        # is the tuned value); None: k-means on the spectral embedding, as units always are.
        self.n_neighbors = n_neighbors

    def _check(self, shape: tuple[int, int], k: int) -> None:
        if k < 1:
            raise ValueError(f"the number of clusters must be at least 1, got {k}")
        if k > min(shape):
            raise ValueError(f"cannot make {k} clusters of a {shape[0]} x {shape[1]} matrix "
                             f"(at most {min(shape)})")

    def fit(self, matrix: np.ndarray) -> SignedSpectralCocluster:
        data = np.asarray(matrix)
        if data.ndim != 2:
            raise ValueError("co-clustering needs a 2-d matrix")
        self._check(data.shape, self.n_clusters)
        self.matrix_ = data
        components = self.n_components or max(self.n_clusters, DEFAULT_COMPONENTS)
        self.decomposition_ = decompose(data, components, np.random.default_rng(self.random_state))
        self.word_graph_: WordGraph | None = None
        return self.recluster(self.n_clusters)

    def _uses_graph(self) -> bool:
        n = self.matrix_.shape[0]
        return bool(self.n_neighbors) and max(GRAPH_MIN_ROWS, 4 * int(self.n_neighbors or 0)) <= n <= GRAPH_MAX_ROWS

    def _row_points(self, k: int) -> np.ndarray:
        d = self.decomposition_
        if not self._uses_graph():
            dims = max(k, 2) if d.n_components >= 2 else 1
            return _embedding(d.u[:, :dims], d.s[:dims], d.row_scale)
        graph: WordGraph | None = getattr(self, "word_graph_", None)  # absent when a caller set decomposition_
        if graph is None:
            # Neighbours by cosine between rows of U S: the cosine between the words' degree-scaled
            # responses R D2^-1/2 at rank c (a row's own scale does not change a cosine): all c
            # components, not k. Neighbours on the full responses (words^2 x units) were no better
            # on the language models (within 0.01 purity).
            assert self.n_neighbors is not None  # _uses_graph
            graph = word_graph(d.u * d.s[None, :], int(self.n_neighbors))
            self.word_graph_ = graph
        return _unit_rows(graph.leading(max(k, 2), np.random.default_rng(self.random_state)))

    def recluster(self, k: int) -> SignedSpectralCocluster:
        """Labels for another k; only k-means runs unless k exceeds the cached components."""
        self._check(self.matrix_.shape, k)
        if k > self.decomposition_.n_components:
            self.decomposition_ = decompose(self.matrix_, k, np.random.default_rng(self.random_state))
            self.word_graph_ = None
        d = self.decomposition_
        dims = max(k, 2) if d.n_components >= 2 else 1
        rng = np.random.default_rng(self.random_state)
        row_points = self._row_points(k)
        column_points = _embedding(d.vt[:dims].T, d.s[:dims], d.column_scale)
        rows = kmeans(row_points, k, rng, n_init=self.n_init)
        columns = kmeans(column_points, k, rng, n_init=self.n_init)
        # Pair word cluster i with the unit cluster it drives most strongly (either sign). The
        # block means come from the rank-c factors (X ~ D1^1/2 U S Vt D2^1/2): k x c x k work
        # instead of a pass over X; the reported links are exact (block_means).
        means = _low_rank_block_means(d, rows, columns, k)
        # here, not at the top: scipy.optimize takes 0.4-1.3 s to import, and a sample model's first
        # glyphs use its shipped labels (store/shipped_stats.py) without clustering anything
        from scipy.optimize import linear_sum_assignment

        _, column_for_row = linear_sum_assignment(-np.abs(means))
        relabel = np.empty(k, dtype=np.int64)
        relabel[column_for_row] = np.arange(k)
        self.n_clusters = k
        self.row_labels_ = rows.astype(np.int64)
        self.column_labels_ = relabel[columns]
        return self


@dataclass
class CoclusterResult:
    """Word clusters, unit clusters (paired by index), their signed links, strengths and an order."""

    words: list[str]
    word_labels: np.ndarray  # (N,)
    unit_labels: np.ndarray  # (H,)
    links: np.ndarray  # (K, K) row = word cluster, column = unit cluster: signed mean of R
    word_strength: np.ndarray  # (N,)
    unit_strength: np.ndarray  # (H,)
    order: list[int]  # cluster display order, strongly linked clusters next to each other
    layer: int
    state: str
    k: int
    extra: dict[str, Any] = field(default_factory=dict)

    def word_clusters(self) -> list[list[str]]:
        """Words of each cluster, strongest first."""
        out: list[list[str]] = []
        for c in range(self.k):
            members = np.flatnonzero(self.word_labels == c)
            members = members[np.argsort(-self.word_strength[members], kind="stable")]
            out.append([self.words[i] for i in members])
        return out

    def unit_clusters(self) -> list[list[int]]:
        """Unit indices of each cluster, strongest first."""
        out: list[list[int]] = []
        for c in range(self.k):
            members = np.flatnonzero(self.unit_labels == c)
            out.append([int(i) for i in members[np.argsort(-self.unit_strength[members], kind="stable")]])
        return out

    def to_json(self) -> dict[str, Any]:
        word_clusters = self.word_clusters()
        index = {w: i for i, w in enumerate(self.words)}
        return {
            "layer": self.layer,
            "state": self.state,
            "k": self.k,
            "word_clusters": word_clusters,
            "word_strengths": [[round(float(self.word_strength[index[w]]), 6) for w in cluster]
                               for cluster in word_clusters],
            "unit_clusters": self.unit_clusters(),
            "unit_strengths": [round(float(x), 6) for x in self.unit_strength],
            "links": np.round(self.links, 6).tolist(),
            "order": list(self.order),
            **self.extra,
        }


def strengths(matrix: np.ndarray, row_labels: np.ndarray, column_labels: np.ndarray,
              links: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How strongly each word (unit) follows its co-cluster: its mean response over the paired
    unit (word) cluster, signed by that block's link so agreement is positive; clipped at 0."""
    data = np.asarray(matrix, dtype=np.float64)
    k = links.shape[0]
    sign = np.sign(np.diag(links))
    sign[sign == 0] = 1.0
    word = np.zeros(data.shape[0])
    unit = np.zeros(data.shape[1])
    for c in range(k):
        rows = row_labels == c
        cols = column_labels == c
        if rows.any() and cols.any():
            word[rows] = data[np.ix_(rows, cols)].mean(axis=1) * sign[c]
            unit[cols] = data[np.ix_(rows, cols)].mean(axis=0) * sign[c]
    return np.clip(word, 0, None), np.clip(unit, 0, None)


def cluster_order(links: np.ndarray) -> list[int]:
    """Greedy chain: start at the strongest co-cluster, then always append the unplaced cluster
    most strongly linked (either direction, either sign) to the last placed one."""
    k = links.shape[0]
    affinity = np.abs(links) + np.abs(links).T
    np.fill_diagonal(affinity, -np.inf)
    order = [int(np.argmax(np.abs(np.diag(links))))]
    while len(order) < k:
        last = order[-1]
        candidates = [c for c in range(k) if c not in order]
        order.append(max(candidates, key=lambda c: affinity[last, c]))
    return order


def cocluster_responses(matrix: np.ndarray, words: list[str], k: int, layer: int, state: str,
                        random_state: int | None = 0,
                        model: SignedSpectralCocluster | None = None) -> tuple[CoclusterResult, SignedSpectralCocluster]:
    """Co-cluster an (N words x H units) response matrix; pass back `model` to change k cheaply."""
    if model is None or model.matrix_ is not matrix:
        model = SignedSpectralCocluster(n_clusters=k, random_state=random_state).fit(matrix)
    else:
        model.recluster(k)
    return labelled_result(matrix, words, model.row_labels_, model.column_labels_, k, layer, state), model


def labelled_result(matrix: np.ndarray, words: list[str], word_labels: np.ndarray, unit_labels: np.ndarray,
                    k: int, layer: int, state: str) -> CoclusterResult:
    """The result for given labels of `matrix`: links, strengths and order follow from them (cheap),
    so labels fitted once (e.g. shipped with a sample model) give the whole result."""
    word_labels = np.array(word_labels, dtype=np.int64)
    unit_labels = np.array(unit_labels, dtype=np.int64)
    links = block_means(matrix, word_labels, unit_labels, k)
    word_strength, unit_strength = strengths(matrix, word_labels, unit_labels, links)
    return CoclusterResult(words=list(words), word_labels=word_labels, unit_labels=unit_labels, links=links,
                           word_strength=word_strength, unit_strength=unit_strength,
                           order=cluster_order(links), layer=layer, state=state, k=k)
