// The README's example: SimCLR on the embedded Fashion-MNIST with the library API, then kNN.
// Run: dotnet run --project examples/SimCLR -c Release
using SslSharp.Augment.Presets;
using SslSharp.Backbones;
using SslSharp.Data;
using SslSharp.Evaluation.Neighbours;
using SslSharp.Methods;
using SslSharp.Training;

var (train, heldOut) = FashionMnist.EmbeddedSplit();                        // 8,000 / 2,000 images, 1x28x28
using var method = new SimCLR(new ConvNet(inChannels: 1, widthMultiplier: 0.5), new SimCLROptions { Temperature = 0.2 });
var loader = new Loader(train, batchSize: 256, FashionMnist.SimCLRViews(), seed: 0);
var options = new TrainerOptions { Epochs = 10, BaseLr = 0.6, WarmupEpochs = 1, RunDirectory = "runs/example" };
using (var trainer = new Trainer(method, loader, options)) trainer.Fit();   // progress bar, metrics.csv, last.ckpt
var knn = new KnnCallback(train.Images, train.Labels, heldOut.Images, heldOut.Labels, FashionMnist.EvalTransform());
Console.WriteLine(knn.Evaluate(method.Encoder));                           // weighted kNN, k = 20 and 200
