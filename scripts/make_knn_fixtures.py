#!/usr/bin/env python3
"""Reference fixtures for SslSharp.Evaluation.Knn (tests/SslSharp.Tests/Fixtures/knn.json).

An independent weighted kNN classifier written after DINO's eval_knn.py `knn_classifier`
(facebookresearch/dino) and InstDisc: top-k neighbours, one-hot labels times a per-neighbour
weight, summed per class. Computed in float64 with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 scripts/make_knn_fixtures.py

Conventions pinned by the fixture (and implemented by the C# code):
- cosine: features L2-normalised, weight exp(sim / T);
- L2: raw features, Euclidean distance d, weight exp(-d / T);
- uniform: weight 1 (majority vote);
- class ties go to the smaller class index (stable sort of the class scores);
- "ranked" lists only classes that received at least one vote, best first, at most 5;
  top-5 accuracy = label among them.
"""
import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "SslSharp.Tests", "Fixtures", "knn.json")


def knn_classifier(train_features, train_labels, test_features, k, T, num_classes, metric, weighting):
    train_features = train_features.double()
    test_features = test_features.double()
    if metric == "cosine":
        train_features = torch.nn.functional.normalize(train_features, dim=1)
        test_features = torch.nn.functional.normalize(test_features, dim=1)
        similarity = test_features @ train_features.t()
        values, indices = similarity.topk(k, largest=True, sorted=True)
        transform = values.div(T).exp()
    else:
        distance = torch.cdist(test_features, train_features)
        values, indices = distance.topk(k, largest=False, sorted=True)
        transform = values.neg().div(T).exp()
    if weighting == "uniform":
        transform = torch.ones_like(transform)
    b = test_features.shape[0]
    candidates = train_labels.view(1, -1).expand(b, -1)
    retrieved = torch.gather(candidates, 1, indices)
    one_hot = torch.zeros(b * k, num_classes, dtype=torch.float64)
    one_hot.scatter_(1, retrieved.reshape(-1, 1), 1)
    probs = torch.sum(one_hot.view(b, -1, num_classes) * transform.view(b, -1, 1), 1)
    counts = one_hot.view(b, -1, num_classes).sum(1)
    ranked = []
    for i in range(b):
        order = np.argsort(-probs[i].numpy(), kind="stable")
        ranked.append([int(c) for c in order if counts[i, c] > 0][:5])
    return ranked


def main():
    torch.manual_seed(1234)
    num_classes, dim = 5, 16
    centers = torch.randn(num_classes, dim) * 0.5
    bank_labels = torch.randint(0, num_classes, (200,))
    query_labels = torch.randint(0, num_classes, (50,))
    bank = (centers[bank_labels] + torch.randn(200, dim)).float()
    queries = (centers[query_labels] + torch.randn(50, dim)).float()
    ks = [1, 5, 20, 200]
    T = 0.07
    cases = []
    for metric in ["cosine", "l2"]:
        for weighting in ["exponential", "uniform"]:
            preds = {}
            for k in ks:
                ranked = knn_classifier(bank, bank_labels, queries, k, T, num_classes, metric, weighting)
                top1 = sum(r[0] == int(y) for r, y in zip(ranked, query_labels)) / len(ranked)
                top5 = sum(int(y) in r for r, y in zip(ranked, query_labels)) / len(ranked)
                preds[str(k)] = {"ranked": ranked, "top1": top1, "top5": top5}
            cases.append({"metric": metric, "weighting": weighting, "temperature": T, "results": preds})
    fixture = {
        "generator": "scripts/make_knn_fixtures.py (torch %s, float64)" % torch.__version__,
        "num_classes": num_classes,
        "ks": ks,
        "bank": [[float(v) for v in row] for row in bank.tolist()],
        "bank_labels": bank_labels.tolist(),
        "queries": [[float(v) for v in row] for row in queries.tolist()],
        "query_labels": query_labels.tolist(),
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f)
    for c in cases:
        print(c["metric"], c["weighting"], {k: (v["top1"], v["top5"]) for k, v in c["results"].items()})


if __name__ == "__main__":
    main()
