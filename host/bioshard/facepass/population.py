"""Public centring vector for the fuzzy extractor: the mean dlib embedding of a face population.

dlib's 128-d embeddings share a large common component (|mean| ≈ 1.4, a face's own residual
≈ 0.5). Sign bits of random projections are only balanced across people once that component is
removed. This mean was computed from the 62 `imgN.jpg` photos of the serengil/deepface test set
(MIT; ../shared/faces/deepface) with bioshard.facepass.face: a small population, so treat it as
a placeholder to replace with the mean of a large public set. It is stored in each helper blob,
so replacing it later does not break enrolled blobs. The measured numbers in docs/facepass.md
use a leave-identities-out mean (never this vector) to avoid scoring faces on their own mean.
"""
MEAN = (
    -0.0945, 0.0776, 0.0993, -0.0533, -0.1045, -0.0172, -0.0177, -0.0852, 0.1554, -0.0821, 0.1881,
    -0.0293, -0.2591, -0.0109, 0.0030, 0.1273, -0.1382, -0.1278, -0.0850, -0.0652, 0.0476, 0.0461,
    0.0094, 0.0672, -0.1437, -0.3174, -0.0756, -0.0519, 0.0108, -0.0995, 0.0125, 0.0798, -0.1825,
    -0.0238, 0.0160, 0.1078, -0.0565, -0.1014, 0.1705, 0.0160, -0.1977, -0.0205, 0.0458, 0.2735,
    0.2053, 0.0261, 0.0325, -0.0683, 0.1090, -0.3117, 0.0605, 0.1645, 0.0449, 0.0696, 0.0899,
    -0.1839, 0.0287, 0.1099, -0.1937, 0.0650, 0.0750, -0.1042, 0.0009, -0.0800, 0.2216, 0.1042,
    -0.1246, -0.1314, 0.1661, -0.1706, -0.0612, 0.0844, -0.1259, -0.1768, -0.3023, 0.0317, 0.3840,
    0.1360, -0.1622, 0.0387, -0.0859, 0.0020, 0.0498, 0.1042, -0.0180, -0.0251, -0.1048, 0.0405,
    0.2225, -0.0222, -0.0219, 0.2491, 0.0202, -0.0271, 0.0284, 0.0554, -0.1051, -0.0138, -0.1315,
    0.0073, 0.0070, -0.0694, -0.0093, 0.1178, -0.1949, 0.1789, -0.0130, -0.0285, -0.0221, -0.0522,
    -0.1202, -0.0123, 0.1623, -0.2980, 0.1896, 0.1722, 0.0383, 0.1430, 0.0333, 0.0859, 0.0053,
    -0.0393, -0.1480, -0.0711, 0.0344, -0.0383, 0.0070, 0.0515
)
