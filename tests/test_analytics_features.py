"""Feature matrices: streamed in chunks into preallocated arrays (same result as one chunk), with a
progress bar on stderr when the context asks for progress."""
from __future__ import annotations

from analytics_data import insert, planted_groups
from telco_console.services.analytics import features as F

ALL = {"date_from": None, "date_to": None, "region": None}


def test_chunked_read_equals_a_single_read_and_shows_progress(ctx, monkeypatch, capsys):
    insert(ctx, planted_groups(varied=True)[0])
    whole = F.load_engagement(ctx, ALL)
    whole_exp = F.load_experience(ctx, ALL)
    monkeypatch.setattr(F, "CHUNK", 7)          # 60 customers in 9 chunks
    ctx.progress = True
    chunked = F.load_engagement(ctx, ALL)
    chunked_exp = F.load_experience(ctx, ALL)
    assert chunked.ids.tolist() == whole.ids.tolist() == list(range(1, 61))
    assert (chunked.X == whole.X).all() and chunked.X.shape == (60, 10)
    assert (chunked_exp.X == whole_exp.X).all() and chunked_exp.labels.tolist() == ["Phone A"] * 60
    err = capsys.readouterr().err
    assert "engagement" in err and "experience" in err and "customers" in err


def test_kmeans_numbers_clusters_by_the_centre():
    import numpy as np

    Z = np.array([[5.0, 5.0], [5.1, 5.0], [0.0, 0.0], [0.1, 0.0], [-5.0, -5.0], [-5.1, -5.0]])
    cl = F.kmeans(Z, 3)
    assert cl.labels.tolist() == [2, 2, 1, 1, 0, 0] and cl.algorithm == "KMeans"
    reverse = F.kmeans(Z, 3, order_by=lambda c: -float(c.sum()))
    assert reverse.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert F.kmeans(Z, 3, threshold=2).algorithm == "MiniBatchKMeans"
