namespace SslSharp.Core;

/// <summary>
/// A module that draws random numbers in its forward pass (a ViT's stochastic depth) from its own generator and
/// re-seeds it from the training step, so a resumed run draws what an uninterrupted one would.
/// </summary>
/// <remarks>The <c>Trainer</c> (and the fine-tuning loop) call <see cref="Reseed"/> on every such sub-module of the
/// model before each step; outside them the generator keeps the seed the module was built with.</remarks>
public interface IStepSeeded
{
    /// <summary>Re-seeds the module's generator for optimizer step <paramref name="step"/>.</summary>
    void Reseed(long step);
}
