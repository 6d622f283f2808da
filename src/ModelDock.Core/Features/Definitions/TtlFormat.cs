using System.Globalization;

namespace ModelDock.Features.Definitions;

/// <summary>
/// Durations as written in YAML: a sum of number+unit parts (<c>1d</c>, <c>3600s</c>, <c>1h30m</c>),
/// a bare number of seconds, or <c>0</c> for no limit.
/// </summary>
public static class TtlFormat
{
    public static bool TryParse(string text, out TimeSpan ttl)
    {
        ttl = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bareSeconds))
        {
            ttl = TimeSpan.FromSeconds(bareSeconds);
            return true;
        }

        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position == start || position == text.Length
                || !long.TryParse(text.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            TimeSpan part;
            switch (text[unitStart..position])
            {
                case "d": part = TimeSpan.FromDays(amount); break;
                case "h": part = TimeSpan.FromHours(amount); break;
                case "m": part = TimeSpan.FromMinutes(amount); break;
                case "s": part = TimeSpan.FromSeconds(amount); break;
                case "ms": part = TimeSpan.FromMilliseconds(amount); break;
                default: return false;
            }

            ttl += part;
        }

        return true;
    }

    /// <summary>Canonical text that <see cref="TryParse"/> reads back to the same value.</summary>
    public static string Format(TimeSpan ttl) =>
        ttl.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
