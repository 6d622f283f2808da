using System.Globalization;
using ModelDock.Errors;

namespace ModelDock.Registry;

/// <summary>How commands and endpoints name registered versions: <c>MODEL</c>, <c>MODEL:VERSION</c> or <c>MODEL@ALIAS</c>.</summary>
/// <param name="Selector">The version number or the alias; null for the bare model.</param>
internal sealed record ModelReference(string Model, string? Selector, bool IsAlias)
{
    /// <summary>The version a <c>MODEL:VERSION</c> reference names; null for a bare model or an alias.</summary>
    public long? Version => IsAlias || Selector is null ? null : long.Parse(Selector, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <param name="field">Prefixed to error messages, e.g. <c>model</c>, so they name the field that was wrong.</param>
    /// <param name="requireSelector">Refuse a bare model: a version or an alias must be named.</param>
    public static ModelReference Parse(string text, string? field = null, bool requireSelector = false)
    {
        var prefix = field is null ? string.Empty : field + ": ";
        var at = text.IndexOfAny([':', '@']);
        if (at < 0 && !requireSelector && text.Length > 0)
        {
            return new ModelReference(text, null, false);
        }

        if (at <= 0 || at == text.Length - 1)
        {
            throw ModelDockException.InvalidInput(requireSelector
                ? $"{prefix}'{text}' is not MODEL:VERSION or MODEL@ALIAS"
                : $"{prefix}'{text}' is not MODEL, MODEL:VERSION or MODEL@ALIAS");
        }

        var selector = text[(at + 1)..];
        if (text[at] == ':' && !long.TryParse(selector, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw ModelDockException.InvalidInput($"{prefix}'{text}' has a version that is not a number (use MODEL@ALIAS for an alias)");
        }

        return new ModelReference(text[..at], selector, text[at] == '@');
    }
}
