using ModelDock.Features.Definitions;
using ModelDock.Tensors;

namespace ModelDock.Repository;

/// <summary>
/// A config's <c>modeldock.features</c> section: which model inputs the server assembles from online features, and
/// the entity-key inputs the client sends instead. Only its shape is checked when read; whether it fits the feature
/// definitions and the model's signature is checked when a version loads.
/// </summary>
/// <param name="Origin">The config file (or registry version) it was read from, for load errors.</param>
/// <param name="Service">A feature service, <c>name</c> (the served definitions) or <c>name:version</c> (a version from the feature registry).</param>
internal sealed record FeatureDeclaration(
    string Origin,
    string Service,
    IReadOnlyList<EntityInputDeclaration> Entities,
    IReadOnlyList<AssembledInputDeclaration> Inputs);

/// <summary>An input the client sends: one value per row, the join key of <paramref name="Entity"/>.</summary>
/// <param name="Key">Where it is in the config, e.g. <c>modeldock.features.entities[0]</c>.</param>
internal sealed record EntityInputDeclaration(string Key, string Input, string Entity, DataType DataType);

/// <summary>A model input the server builds: one feature per row, or several concatenated into a vector per row.</summary>
/// <param name="IsVector">Declared with <c>features:</c> (shape [N, count]) rather than <c>feature:</c> (shape [N] or [N, 1]).</param>
internal sealed record AssembledInputDeclaration(string Key, string Name, DataType DataType, bool IsVector, IReadOnlyList<FeatureInputDeclaration> Features);

/// <summary>One feature of an assembled input and what a row without a value for it gets.</summary>
/// <param name="Default">The value a missing feature gets under <see cref="MissingFeaturePolicy.Default"/>, converted to the input's datatype.</param>
internal sealed record FeatureInputDeclaration(string Key, FeatureReference Feature, MissingFeaturePolicy OnMissing, double Default);

/// <summary>What happens when the online store has no current value for a feature of a row.</summary>
internal enum MissingFeaturePolicy
{
    /// <summary>The row gets the declared default (0 unless one is given).</summary>
    Default,

    /// <summary>The request fails with 400 naming the entity key and the feature.</summary>
    Fail,
}
