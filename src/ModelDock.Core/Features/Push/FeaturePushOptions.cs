using System.Globalization;

namespace ModelDock.Features.Push;

/// <summary>How pushes are checked and how offline pushes are grouped into Parquet files; defaults in one place.</summary>
public sealed class FeaturePushOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "ModelDock:Features:Push";

    /// <summary>
    /// How far ahead of the server's clock an event (or created) timestamp may be. The online store keeps a key's newest
    /// event, so a row stamped far in the future would hide every later push for its key.
    /// </summary>
    public TimeSpan MaxEventTimeSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The write-ahead file offline pushes are appended to is compacted into Parquet once its first row is this old...
    /// (historical retrieval sees pushed rows at most this much later).
    /// </summary>
    public TimeSpan OfflineRollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>...or once it holds this many bytes.</summary>
    public long OfflineRollBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Every invalid setting, each named by its configuration key.</summary>
    public List<string> Problems()
    {
        var errors = new List<string>();
        if (MaxEventTimeSkew < TimeSpan.Zero)
        {
            errors.Add($"{Section}:{nameof(MaxEventTimeSkew)} {Format(MaxEventTimeSkew)} must not be negative");
        }

        if (OfflineRollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:{nameof(OfflineRollInterval)} {Format(OfflineRollInterval)} must be positive");
        }

        if (OfflineRollBytes <= 0)
        {
            errors.Add($"{Section}:{nameof(OfflineRollBytes)} {OfflineRollBytes.ToString(CultureInfo.InvariantCulture)} must be positive");
        }

        return errors;
    }

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
