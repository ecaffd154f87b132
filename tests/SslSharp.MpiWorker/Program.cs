using System.Text.Json;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Distributed;
using SslSharp.Distributed.Mpi;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.MpiWorker;

/// <summary>
/// One rank of a multi-process test: <c>mpirun -np N dotnet SslSharp.MpiWorker.dll SCENARIO OUT_DIR</c> (or without
/// mpirun: one process). Each rank writes <c>OUT_DIR/rank{r}.json</c> (a name to a list of numbers); the test compares.
/// </summary>
public static class Program
{
    /// <summary>Runs a scenario; exit 0 on success, 2 on bad arguments; a failure aborts the MPI job.</summary>
    public static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: SslSharp.MpiWorker collectives|gather-grad|simclr|mocov3|mocov2|mocov2-shuffle|dclw|directclr|vicreg|barlowtwins|dino|nnclr|swav|wmse|triplet|margin-random|byol|simsiam|deepcluster|train2|train6|resume6|resume6-batch8|hang|fail|kill OUT_DIR");
            return 2;
        }
        var group = MpiProcessGroup.FromEnvironment();
        var results = new SortedDictionary<string, double[]>(StringComparer.Ordinal)
        {
            ["rank"] = [group.Rank],
            ["world"] = [group.WorldSize],
        };
        try
        {
            switch (args[0])
            {
                case "collectives": Collectives(group, results); break;
                case "gather-grad": GatherGrad(group, results); break;
                case "simclr":
                    using (var m = new SimCLR(new ConvNet(1, [8, 16], seed: 3), new SimCLROptions { HiddenDim = 32, OutputDim = 16, Temperature = 0.5, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "mocov3":
                    using (var m = new SslSharp.Methods.Contrastive.MoCoV3(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.MoCoV3Options { HiddenDim = 32, OutputDim = 16, Temperature = 0.2, BaseMomentum = 0.9, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "vicreg":
                    using (var m = new SslSharp.Methods.Correlation.VICReg(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Correlation.VICRegOptions { HiddenDim = 32, OutputDim = 24, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "barlowtwins":
                    using (var m = new SslSharp.Methods.Correlation.BarlowTwins(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Correlation.BarlowTwinsOptions { HiddenDim = 32, OutputDim = 24, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "dino":
                    using (var m = new SslSharp.Methods.SelfDistillation.DINO(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.SelfDistillation.DINOOptions { OutDim = 64, HiddenDim = 32, BottleneckDim = 16, FreezeLastLayer = 0, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "mocov2":   // symmetric, so both key sets are gathered; plain BatchNorm (bn_splits 1), synchronised
                    using (var m = new SslSharp.Methods.Contrastive.MoCoV2(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.MoCoV2Options { HiddenDim = 32, OutputDim = 16, QueueSize = 64, Symmetric = true, BaseMomentum = 0.9, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "mocov2-shuffle":   // bn_splits 2: one process splits the global batch in two, two processes shuffle BN across each other
                    using (var m = new SslSharp.Methods.Contrastive.MoCoV2(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.MoCoV2Options { HiddenDim = 32, OutputDim = 16, QueueSize = 64, Symmetric = true, BaseMomentum = 0.9, BnSplits = 2, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "dclw":
                    using (var m = new SslSharp.Methods.Contrastive.DCL(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.DCLWOptions { HiddenDim = 32, OutputDim = 16, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "directclr":
                    using (var m = new SslSharp.Methods.Contrastive.DirectCLR(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.DirectCLROptions { SubvectorDim = 8, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "nnclr":   // two steps: the second looks up neighbours in a support set holding the first step's gathered projections
                    using (var m = new SslSharp.Methods.Contrastive.NNCLR(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.NNCLROptions { HiddenDim = 32, OutputDim = 16, PredictorHiddenDim = 32, Temperature = 0.2, QueueSize = 32, Seed = 4 }))
                        OneStep(group, results, m, steps: 2);
                    break;
                case "swav":   // two steps: the queue (one global batch long) is full at the second, so its rows enter Sinkhorn
                    using (var m = new SslSharp.Methods.Clustering.SwAV(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Clustering.SwAVOptions { HiddenDim = 32, OutputDim = 16, Prototypes = 10, QueueLength = 16, QueueStartEpoch = 0, FreezePrototypesSteps = 0, Seed = 4 }))
                        OneStep(group, results, m, steps: 2);
                    break;
                case "wmse":   // whitening sub-batches of 8 over a global batch of 16: a permutation mixes the processes' images
                    using (var m = new SslSharp.Methods.Correlation.WMSE(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Correlation.WMSEOptions { HiddenDim = 32, OutputDim = 4, WhiteningSize = 8, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "triplet":
                    using (var m = new SslSharp.Methods.Contrastive.DeepMetricLearning(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.TripletOptions { HiddenDim = 32, OutputDim = 16, Negatives = SslSharp.Methods.Contrastive.NegativeMining.Hardest, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "margin-random":
                    using (var m = new SslSharp.Methods.Contrastive.DeepMetricLearning(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.Contrastive.ContrastiveMarginOptions { HiddenDim = 32, OutputDim = 16, Negatives = SslSharp.Methods.Contrastive.NegativeMining.Random, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "byol":
                    using (var m = new SslSharp.Methods.SelfDistillation.BYOL(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.SelfDistillation.BYOLOptions { ProjectorHiddenDim = 32, OutputDim = 16, PredictorHiddenDim = 32, BaseMomentum = 0.9, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "simsiam":
                    using (var m = new SslSharp.Methods.SelfDistillation.SimSiam(new ConvNet(1, [8, 16], seed: 3),
                        new SslSharp.Methods.SelfDistillation.SimSiamOptions { ProjectorHiddenDim = 32, OutputDim = 16, PredictorHiddenDim = 8, Seed = 4 }))
                        OneStep(group, results, m);
                    break;
                case "deepcluster": DeepClusterEpochStart(group, results); break;
                case "train2": Train(group, results, args[1], maxSteps: 2, globalBatch: 16); break;
                case "train6": Train(group, results, args[1], maxSteps: 6, globalBatch: 16); break;
                case "resume6": Train(group, results, args[1], maxSteps: 6, globalBatch: 16, resume: true); break;
                case "resume6-batch8": Train(group, results, args[1], maxSteps: 6, globalBatch: 8, resume: true); break;
                case "kill":
                    if (group.Rank == group.WorldSize - 1) System.Diagnostics.Process.GetCurrentProcess().Kill();   // SIGKILL
                    group.Barrier();   // the others wait for it forever unless the launcher ends the job
                    break;
                case "hang":   // the last rank never reaches the barrier and never dies: the others' watchdog must end the job
                    if (group.Rank == group.WorldSize - 1) Thread.Sleep(Timeout.Infinite);
                    group.Barrier();
                    break;
                case "fail": if (group.Rank == group.WorldSize - 1) throw new InvalidOperationException("deliberate failure"); group.Barrier(); break;
                default: Console.Error.WriteLine($"unknown scenario '{args[0]}'"); return 2;
            }
            File.WriteAllText(Path.Combine(args[1], $"rank{group.Rank}.json"), JsonSerializer.Serialize(results));
            group.Barrier();
        }
        catch (Exception e) when (group is MpiProcessGroup mpi)
        {
            mpi.Abort($"{e.GetType().Name}: {e.Message}", 3);
        }
        (group as IDisposable)?.Dispose();
        return 0;
    }

    private static double[] Values(Tensor t) => t.to(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>Every collective on every dtype; rank r holds <c>arange(6) * (r + 1) + r</c> as [2, 3].</summary>
    private static void Collectives(IProcessGroup group, IDictionary<string, double[]> results)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64, ScalarType.Int64 })
        {
            Tensor Local() => (torch.arange(6, dtype: ScalarType.Int64) * (group.Rank + 1) + group.Rank).reshape(2, 3).to(dtype);
            using var sum = Local();
            group.AllReduceSum(sum);
            results[$"{dtype}.sum"] = Values(sum);
            using var max = Local().neg();
            group.AllReduceMax(max);
            results[$"{dtype}.max"] = Values(max);
            using var local = Local();
            using var gathered = group.AllGather(local);
            results[$"{dtype}.gather"] = Values(gathered);
            results[$"{dtype}.gather.shape"] = gathered.shape.Select(s => (double)s).ToArray();
            using var columns = Local().t();   // non-contiguous input to all-gather
            using var gatheredT = group.AllGather(columns);
            results[$"{dtype}.gatherT"] = Values(gatheredT);
            using var bcast = Local();
            group.Broadcast(bcast, root: group.WorldSize - 1);
            results[$"{dtype}.bcast"] = Values(bcast);
        }
    }

    /// <summary>
    /// A loss in which every row meets every row of the global batch: <c>z = x W</c>, <c>L = mean_i logsumexp_j(z_i . z_j)</c>
    /// over the gathered rows; gradients averaged over ranks as the trainer does. Global batch 8 x 5, W 5 x 4.
    /// </summary>
    private static void GatherGrad(IProcessGroup group, IDictionary<string, double[]> results)
    {
        var (x, w) = GatherGradInputs();
        long b = x.shape[0] / group.WorldSize;
        var xLocal = x.narrow(0, group.Rank * b, b).detach().requires_grad_(true);
        var weight = new TorchSharp.Modules.Parameter(w.clone());
        var z = xLocal.matmul(weight);
        var all = group.AllGatherWithGradient(z);
        var loss = z.matmul(all.t()).logsumexp(1).mean();
        loss.backward();
        GradientAveraging.Average(group, [weight]);
        var global = loss.detach().clone();
        group.AllReduceSum(global);
        results["loss"] = [global.ToDouble() / group.WorldSize];
        results["weight.grad"] = Values(weight.grad!);
        results["x.grad"] = Values(xLocal.grad! / group.WorldSize);
    }

    /// <summary>The inputs of <see cref="GatherGrad"/> (also computed by the test in one process).</summary>
    public static (Tensor X, Tensor W) GatherGradInputs()
    {
        var g = new Generator(11);
        return (torch.randn(new long[] { 8, 5 }, generator: g, dtype: ScalarType.Float64),
            torch.randn(new long[] { 5, 4 }, generator: g, dtype: ScalarType.Float64) * 0.5);
    }

    /// <summary>
    /// DeepCluster's epoch start on 61 images (an odd count: the last process's block is shorter): the pseudo-labels and
    /// the k-means objective every process ends up with.
    /// </summary>
    private static void DeepClusterEpochStart(IProcessGroup group, IDictionary<string, double[]> results)
    {
        using var m = new SslSharp.Methods.Clustering.DeepCluster(new ConvNet(1, [8, 16], seed: 3),
            new SslSharp.Methods.Clustering.DeepClusterOptions { NumClusters = 5, PcaDim = 8, KmeansIterations = 10, HiddenDim = 24, ProjectorLayers = 2, BatchNorm = true, FeatureBatchSize = 16, Seed = 4 });
        m.ProcessGroup = group;
        var gen = new Generator(7);
        var labels = torch.arange(61, ScalarType.Int64).remainder(3);
        var images = (labels.view(-1, 1, 1, 1).to(ScalarType.Float32) * 60 + torch.rand(new long[] { 61, 1, 12, 12 }, generator: gen) * 120).to(ScalarType.Byte);
        var data = new SslSharp.Data.ImageDataset(images, labels, "blobs", ["a", "b", "c"]);
        var loader = new SslSharp.Data.Loader(data, 8 / group.WorldSize, new NoViews(), seed: 2) { ShardIndex = group.Rank, ShardCount = group.WorldSize };
        long encoded = 0;   // images this process's backbone encoded
        var hook = m.Encoder.register_forward_hook((_, input, output) => { encoded += input.shape[0]; return output; });
        m.OnEpochStart(new EpochContext(0, 0, new TrainingProgress(0, 10, 0, 10), loader, torch.CPU));
        hook.remove();
        results["encoded"] = [encoded];
        results["assignments"] = Values(m.Assignments!);
        results["kmeans.loss"] = [m.LastClusteringLoss];
    }

    /// <summary>
    /// SimCLR on the ConvNet trained by the <see cref="SslSharp.Training.Trainer"/> on 64 images (4 steps per epoch with the
    /// global batch 16) up to <paramref name="maxSteps"/>, writing <c>OUT_DIR/run</c>; with <paramref name="resume"/> it
    /// resumes from <c>OUT_DIR/from.ckpt</c>. The views carry no randomness, so runs on any number of processes see the
    /// same inputs. Writes the steps done, the global batch and the parameters.
    /// </summary>
    private static void Train(IProcessGroup group, IDictionary<string, double[]> results, string outDir, long maxSteps, int globalBatch, bool resume = false)
    {
        var gen = new Generator(9);
        var labels = torch.arange(64, ScalarType.Int64).remainder(4);
        var images = (labels.view(-1, 1, 1, 1).to(ScalarType.Float32) * 40 + torch.rand(new long[] { 64, 1, 12, 12 }, generator: gen) * 150).to(ScalarType.Byte);
        var data = new SslSharp.Data.ImageDataset(images, labels, "blobs", ["a", "b", "c", "d"]);
        var loader = new SslSharp.Data.Loader(data, globalBatch / group.WorldSize, new FlipViews(), seed: 2, prefetch: 0)
        { ShardIndex = group.Rank, ShardCount = group.WorldSize };
        using var method = new SimCLR(new ConvNet(1, [8, 16], seed: 3), new SimCLROptions { HiddenDim = 32, OutputDim = 16, Temperature = 0.5, Seed = 4 });
        var options = new SslSharp.Training.TrainerOptions
        {
            Epochs = 2, BatchSize = globalBatch / group.WorldSize, BaseLr = 0.3, WarmupEpochs = 0, Seed = 1, ShowProgress = false,
            RunDirectory = Path.Combine(outDir, "run"), MaxSteps = maxSteps, ResumeFrom = resume ? Path.Combine(outDir, "from.ckpt") : null,
        };
        if (group.Rank == 0) Directory.CreateDirectory(options.RunDirectory);
        using var trainer = new SslSharp.Training.Trainer(method, loader, options, processGroup: group);
        var result = trainer.Fit();
        results["steps"] = [result.Steps];
        results["global.batch"] = [trainer.GlobalBatchSize];
        foreach (var (name, p) in method.named_parameters()) results["param." + name] = Values(p);
    }

    /// <summary>Two deterministic views: the image and its mirror image, as floats in [0, 1].</summary>
    private sealed class FlipViews : SslSharp.Augment.IViewGenerator
    {
        public ViewBatch CreateViews(Tensor images, Tensor? labels, Generator generator)
        {
            var x = images.to(ScalarType.Float32).div(255);
            return new ViewBatch([x, x.flip(3)], labels: labels);
        }
    }

    /// <summary>A view generator for a loader whose batches are never drawn.</summary>
    private sealed class NoViews : SslSharp.Augment.IViewGenerator
    {
        public ViewBatch CreateViews(Tensor images, Tensor? labels, Generator generator) => throw new NotSupportedException();
    }

    /// <summary>
    /// One SGD step of <paramref name="method"/> (ConvNet with BatchNorm + projector with BatchNorm, train mode,
    /// synchronised BatchNorm) on a global batch of 16 images split over the ranks; writes the global loss, the
    /// parameters and buffers after the step.
    /// </summary>
    private static void OneStep(IProcessGroup group, IDictionary<string, double[]> results, SslMethod method, int steps = 1)
    {
        const int batch = 16;
        if (batch % group.WorldSize != 0) throw new ArgumentException($"The global batch {batch} does not split over {group.WorldSize} processes.");
        method.ProcessGroup = group;
        using var sync = SyncBatchNorm.Attach(method, method.SynchronizeBatchNorm ? group : SingleProcessGroup.Instance);
        var gen = new Generator(5);
        var x = torch.randn(new long[] { batch, 1, 12, 12 }, generator: gen);
        var v1 = x + 0.3 * torch.randn(x.shape, generator: gen);
        var v2 = x.flip(3) + 0.3 * torch.randn(x.shape, generator: gen);
        long b = batch / group.WorldSize;
        using var views = new ViewBatch([v1.narrow(0, group.Rank * b, b), v2.narrow(0, group.Rank * b, b)]);
        var parameters = method.parameters().ToList();
        using var sgd = torch.optim.SGD(parameters, 0.5);
        method.train();
        StepOutput output = null!;
        for (int step = 0; step < steps; step++)
        {
            var progress = new TrainingProgress(step, 10, 0, 10);
            method.OnStepStart(progress);
            output = method.call(views);
            sgd.zero_grad();
            output.Loss.backward();
            GradientAveraging.Average(group, parameters);
            method.OnAfterBackward(progress);
            sgd.step();
            method.OnAfterOptimizerStep(progress);
        }
        var global = output.Loss.detach().to(ScalarType.Float64).clone();
        group.AllReduceSum(global);
        results["loss"] = [global.ToDouble() / group.WorldSize];
        results["sync.layers"] = [sync.Layers];
        foreach (var (name, p) in method.named_parameters()) results["param." + name] = Values(p);
        foreach (var (name, buf) in method.named_buffers()) results["buffer." + name] = Values(buf);
    }
}
