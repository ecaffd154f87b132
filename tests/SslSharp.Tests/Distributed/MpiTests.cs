using System.Diagnostics;
using SslSharp.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Distributed;

/// <summary>
/// Real processes under <c>mpirun</c> (tests/SslSharp.MpiWorker): the MPI binding's collectives on every dtype, the
/// all-gather's gradient, and the data-parallel SimCLR step against one process with the whole batch. Each run of
/// 2 ranks costs about 3 s.
/// </summary>
public class MpiTests
{
    private static readonly ScalarType[] Types = [ScalarType.Float32, ScalarType.Float64, ScalarType.Int64];

    [MpiFact]
    public void Collectives_give_the_sum_max_gather_and_broadcast_of_two_processes_for_every_dtype()
    {
        using var dir = new TempDir();
        var run = MpiRun.Run("collectives", 2, dir.Path);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(2, run.Ranks.Count);
        const int w = 2;
        double[] a = [0, 1, 2, 3, 4, 5];
        double[] Local(int r) => a.Select(v => v * (r + 1) + r).ToArray();
        double[] Transposed(int r) { var l = Local(r); return [l[0], l[3], l[1], l[4], l[2], l[5]]; }
        for (int r = 0; r < w; r++)
        {
            var got = run.Ranks[r];
            Assert.Equal([r], got["rank"]);
            Assert.Equal([w], got["world"]);
            foreach (var t in Types)
            {
                Assert.Equal(a.Select(v => v * 3 + 1), got[$"{t}.sum"]);              // (v + 0) + (2v + 1)
                Assert.Equal(a.Select(v => -v), got[$"{t}.max"].Select(v => v + 0.0)); // max of -(v) and -(2v + 1)
                Assert.Equal(Local(0).Concat(Local(1)), got[$"{t}.gather"]);
                Assert.Equal([4, 3], got[$"{t}.gather.shape"]);
                Assert.Equal(Transposed(0).Concat(Transposed(1)), got[$"{t}.gatherT"]);
                Assert.Equal(Local(w - 1), got[$"{t}.bcast"]);
            }
        }
    }

    [MpiFact]
    public void All_gather_with_gradient_gives_the_single_process_gradients()
    {
        using var dir = new TempDir();
        var run = MpiRun.Run("gather-grad", 2, dir.Path);
        Assert.True(run.ExitCode == 0, run.Output);

        // One process, the whole batch: z = x W, L = mean_i logsumexp_j z_i . z_j.
        var (x, w) = SslSharp.Tests.MpiWorker.Program.GatherGradInputs();
        x.requires_grad_(true);
        w.requires_grad_(true);
        var z = x.matmul(w);
        var loss = z.matmul(z.t()).logsumexp(1).mean();
        loss.backward();
        foreach (var rank in run.Ranks)
        {
            Assert.Equal(loss.ToDouble(), rank["loss"][0], 12);
            AssertClose(w.grad!.data<double>().ToArray(), rank["weight.grad"], 1e-12, "dL/dW");
        }
        AssertClose(x.grad!.data<double>().ToArray(), run.Ranks[0]["x.grad"].Concat(run.Ranks[1]["x.grad"]).ToArray(), 1e-12, "dL/dx");
    }

    [MpiFact]
    public void SimCLR_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("simclr", processes: 2, syncedLayers: 3);   // 2 BatchNorm2d of the backbone, 1 BatchNorm1d of the projector

    [MpiFact]
    public void MoCo_v3_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("mocov3", processes: 2, syncedLayers: 9);   // backbone, projector, predictor and their momentum copies

    [MpiFact]
    public void MoCo_v2_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch_queue_included() =>
        AssertSameStep("mocov2", processes: 2, syncedLayers: 4);   // the queue buffer holds the gathered keys of both views

    [MpiFact]
    public void MoCo_v2_with_shuffling_BN_across_two_processes_equals_one_process_with_two_BN_splits() =>
        // BatchNorm stays per process (no layer synchronised); the running statistics follow each process's own
        // splits (one process updates them once per split), so only the parameters and the queue are compared.
        AssertSameStep("mocov2-shuffle", processes: 2, syncedLayers: 0, compareRunningStatistics: false);

    [MpiFact]
    public void DeepCluster_on_two_processes_clusters_the_gathered_features_into_the_one_process_pseudo_labels()
    {
        using var dir = new TempDir();
        var one = MpiRun.Run("deepcluster", 0, Path.Combine(dir.Path, "one"));
        Assert.True(one.ExitCode == 0, one.Output);
        var many = MpiRun.Run("deepcluster", 2, Path.Combine(dir.Path, "many"));
        Assert.True(many.ExitCode == 0, many.Output);
        var reference = Assert.Single(one.Ranks);
        Assert.Equal(61, reference["assignments"].Length);
        Assert.True(reference["assignments"].Distinct().Count() >= 3, "the reference clustering uses fewer than 3 clusters");
        Assert.Equal([61], reference["encoded"]);
        Assert.Equal([31], many.Ranks[0]["encoded"]);   // each process encodes its block of ceil(61 / 2) images only
        Assert.Equal([30], many.Ranks[1]["encoded"]);
        foreach (var rank in many.Ranks)
        {
            Assert.Equal(reference["assignments"], rank["assignments"]);   // every image of the whole set, the same label everywhere
            AssertClose(reference["kmeans.loss"], rank["kmeans.loss"], 1e-5, "k-means objective");
        }
    }

    [MpiFact]
    public void DCLW_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        // The weighted loss's float32 sums give the step ~8e-6 relative differences.
        AssertSameStep("dclw", processes: 2, syncedLayers: 3, tolerance: 3e-5);

    [MpiFact]
    public void DirectCLR_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("directclr", processes: 2, syncedLayers: 2);   // no projector: the backbone's 2 BatchNorm2d

    [MpiFact]
    public void VICReg_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("vicreg", processes: 2, syncedLayers: 4);   // backbone 2, projector 2

    [MpiFact]
    public void Barlow_Twins_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        // The cross-correlation's float32 sums give the first convolution's step ~1.5e-5 relative differences.
        AssertSameStep("barlowtwins", processes: 2, syncedLayers: 4, tolerance: 5e-5);

    [MpiFact]
    public void DINO_on_two_processes_with_half_batches_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("dino", processes: 2, syncedLayers: 4);   // student and teacher backbones; the center moves by the global mean

    [MpiFact]
    public void NNCLR_on_two_processes_equals_one_process_support_set_included() =>
        // Two steps: the second step's neighbours come from the support set the first step filled with the gathered projections.
        // After two float32 steps the enqueued projections differ by up to ~1.3e-5 relative.
        AssertSameStep("nnclr", processes: 2, syncedLayers: 6, tolerance: 3e-5);   // backbone 2, projector 3, predictor 1

    [MpiFact]
    public void SwAV_on_two_processes_equals_one_process_Sinkhorn_and_queue_included() =>
        // Two steps: the queue (one global batch) is full at the second, so each process's block of it enters the shared Sinkhorn.
        AssertSameStep("swav", processes: 2, syncedLayers: 3);   // backbone 2, projector 1

    [MpiFact]
    public void WMSE_on_two_processes_whitens_over_the_global_batch_as_one_process() =>
        AssertSameStep("wmse", processes: 2, syncedLayers: 3);   // backbone 2, projector 1

    [MpiFact]
    public void Triplet_on_two_processes_mines_negatives_from_the_global_batch_as_one_process() =>
        AssertSameStep("triplet", processes: 2, syncedLayers: 3);   // backbone 2, projector 1

    [MpiFact]
    public void Contrastive_margin_with_random_negatives_on_two_processes_equals_one_process() =>
        AssertSameStep("margin-random", processes: 2, syncedLayers: 3);

    [MpiFact]
    public void BYOL_on_two_processes_equals_one_process_through_synchronised_BatchNorm() =>
        AssertSameStep("byol", processes: 2, syncedLayers: 7);   // backbone, projector, predictor and the target's backbone and projector

    [MpiFact]
    public void SimSiam_on_two_processes_equals_one_process_through_synchronised_BatchNorm() =>
        AssertSameStep("simsiam", processes: 2, syncedLayers: 6);   // backbone 2, projector 3, predictor 1

    [MpiFact]
    [Trait("Category", "Slow")]
    public void SimCLR_on_four_oversubscribed_processes_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("simclr", processes: 4, syncedLayers: 3);

    [MpiFact]
    [Trait("Category", "Slow")]
    public void VICReg_on_four_oversubscribed_processes_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("vicreg", processes: 4, syncedLayers: 4);

    [MpiFact]
    [Trait("Category", "Slow")]
    public void DINO_on_four_oversubscribed_processes_equals_one_process_with_the_whole_batch() =>
        AssertSameStep("dino", processes: 4, syncedLayers: 4);

    /// <summary>
    /// One SGD step of <paramref name="scenario"/> on 1 process with the global batch and on <paramref name="processes"/>
    /// with a share each: the same loss (1e-5 relative) and the same parameters and buffers afterwards.
    /// </summary>
    private static void AssertSameStep(string scenario, int processes, int syncedLayers, double tolerance = 1e-5, bool compareRunningStatistics = true)
    {
        using var dir = new TempDir();
        var one = MpiRun.Run(scenario, 0, Path.Combine(dir.Path, "one"));
        Assert.True(one.ExitCode == 0, one.Output);
        var many = MpiRun.Run(scenario, processes, Path.Combine(dir.Path, "many"));
        Assert.True(many.ExitCode == 0, many.Output);
        Assert.Equal(processes, many.Ranks.Count);
        var reference = Assert.Single(one.Ranks);
        Assert.Equal([0], reference["sync.layers"]);
        foreach (var rank in many.Ranks)
        {
            Assert.Equal([syncedLayers], rank["sync.layers"]);
            double l1 = reference["loss"][0], l2 = rank["loss"][0];
            Assert.True(Math.Abs(l1 - l2) <= 1e-5 * Math.Abs(l1), $"loss: one process {l1}, {processes} processes {l2}");
            int compared = 0;
            foreach (var (name, expected) in reference.Where(kv => kv.Key.StartsWith("param.", StringComparison.Ordinal) || kv.Key.StartsWith("buffer.", StringComparison.Ordinal)))
            {
                if (!compareRunningStatistics && (name.EndsWith(".running_mean", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal)
                    || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)))
                    continue;
                AssertClose(expected, rank[name], tolerance, name);
                compared++;
            }
            Assert.True(compared >= 10, $"only {compared} tensors compared");
        }
    }

    [MpiFact]
    public void A_rank_that_throws_ends_the_job_with_its_rank_and_cause()
    {
        using var dir = new TempDir();
        var clock = Stopwatch.StartNew();
        var run = MpiRun.Run("fail", 2, dir.Path, timeoutSeconds: 60);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 1 of 2: InvalidOperationException: deliberate failure", run.Output);
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"the job took {clock.Elapsed.TotalSeconds:F0} s to end");
    }

    [MpiFact]
    public void A_rank_that_hangs_without_dying_is_ended_by_the_watchdog_naming_the_waiting_rank_and_collective()
    {
        using var dir = new TempDir();
        var clock = Stopwatch.StartNew();
        var run = MpiRun.Run("hang", 2, dir.Path, timeoutSeconds: 60,
            environment: new Dictionary<string, string> { [SslSharp.Distributed.Mpi.MpiProcessGroup.TimeoutVariable] = "3" });
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 0 of 2: MPI_Barrier did not complete within 3 s", run.Output);
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"the job took {clock.Elapsed.TotalSeconds:F0} s to end");
    }

    [MpiFact]
    public void A_rank_killed_with_SIGKILL_ends_the_job_with_a_message()
    {
        using var dir = new TempDir();
        var clock = Stopwatch.StartNew();
        var run = MpiRun.Run("kill", 2, dir.Path, timeoutSeconds: 60);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Matches("(?i)signal:? 9", run.Output);   // Open MPI: "exited on signal 9"; MPICH: "KILLED BY SIGNAL: 9"
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"the job took {clock.Elapsed.TotalSeconds:F0} s to end");
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
