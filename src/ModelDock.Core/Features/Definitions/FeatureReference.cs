using ModelDock.Errors;

namespace ModelDock.Features.Definitions;

/// <summary>One feature of one view, written <c>view:feature</c>.</summary>
public readonly record struct FeatureReference(string View, string Feature)
{
    /// <summary>Column name used when full feature names are requested, as Feast names it.</summary>
    public string FullName => View + "__" + Feature;

    public override string ToString() => View + ":" + Feature;

    /// <summary>Parses <c>view:feature</c>; anything else is <see cref="ErrorKind.InvalidInput"/>.</summary>
    public static FeatureReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1 || text.IndexOf(':', colon + 1) >= 0)
        {
            throw ModelDockException.InvalidInput(
                $"Feature reference '{text}' is not of the form 'view:feature'.");
        }

        return new FeatureReference(text[..colon], text[(colon + 1)..]);
    }
}
