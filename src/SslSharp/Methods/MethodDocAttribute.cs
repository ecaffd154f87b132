namespace SslSharp.Methods;

/// <summary>The cookbook family and the paper of a method, on its options record: the one place
/// <see cref="MethodRegistry.Describe"/> takes them from.</summary>
/// <param name="family">The cookbook's family (contrastive, self-distillation, correlation, clustering).</param>
/// <param name="paper">Authors, year and title of the paper that introduced the method.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class MethodDocAttribute(string family, string paper) : Attribute
{
    /// <summary>The cookbook's family.</summary>
    public string Family { get; } = family ?? throw new ArgumentNullException(nameof(family));

    /// <summary>The paper that introduced the method.</summary>
    public string Paper { get; } = paper ?? throw new ArgumentNullException(nameof(paper));
}
