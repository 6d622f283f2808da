using System.Globalization;

namespace ModelDock.PayloadLog;

/// <summary>
/// Which requests the payload log keeps, and how it buffers and rolls them; bound from <c>ModelDock:PayloadLog</c>.
/// Off by default: every sample rate is 0.
/// </summary>
public sealed class PayloadLogOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "ModelDock:PayloadLog";

    /// <summary>Percent (0–100) of a model's successful requests to keep when <see cref="Models"/> does not name it.</summary>
    public double DefaultSampleRate { get; set; }

    /// <summary>Per model or endpoint name, as callers name it: <c>ModelDock:PayloadLog:Models:&lt;name&gt;:SampleRate</c>.</summary>
    public Dictionary<string, PayloadLogModelOptions> Models { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The data folder; files go to <c>&lt;DataDir&gt;/offline/payloads/&lt;model&gt;/&lt;yyyy-MM-dd&gt;/</c>.</summary>
    public string? DataDir { get; set; }

    /// <summary>Records waiting to be written, at most; one more is dropped and counted.</summary>
    public int MaxBufferedRecords { get; set; } = 10_000;

    /// <summary>Tensor bytes of the records waiting to be written, at most; a record that would pass it is dropped and counted.</summary>
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>A model's file is closed when it holds this many records...</summary>
    public int RollRecords { get; set; } = 10_000;

    /// <summary>...or when its first record is this old.</summary>
    public TimeSpan RollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>True when some model may be sampled.</summary>
    public bool Enabled => DefaultSampleRate > 0 || Models.Values.Any(m => m.SampleRate > 0);

    /// <summary>The percent of <paramref name="model"/>'s requests to keep.</summary>
    public double SampleRateOf(string model) => Models.TryGetValue(model, out var m) ? m.SampleRate : DefaultSampleRate;

    /// <summary>Every invalid setting, each named by its configuration key.</summary>
    public List<string> Problems()
    {
        var errors = new List<string>();
        CheckRate(errors, $"{Section}:{nameof(DefaultSampleRate)}", DefaultSampleRate);
        foreach (var (name, model) in Models)
        {
            CheckRate(errors, $"{Section}:{nameof(Models)}:{name}:{nameof(PayloadLogModelOptions.SampleRate)}", model.SampleRate);
        }

        if (MaxBufferedRecords <= 0)
        {
            errors.Add($"{Section}:{nameof(MaxBufferedRecords)} {MaxBufferedRecords} must be positive");
        }

        if (MaxBufferedBytes <= 0)
        {
            errors.Add($"{Section}:{nameof(MaxBufferedBytes)} {MaxBufferedBytes} must be positive");
        }

        if (RollRecords <= 0)
        {
            errors.Add($"{Section}:{nameof(RollRecords)} {RollRecords} must be positive");
        }

        if (RollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:{nameof(RollInterval)} {RollInterval} must be positive");
        }

        if (Enabled && string.IsNullOrWhiteSpace(DataDir))
        {
            errors.Add($"{Section}:{nameof(DataDir)} is needed when a sample rate is above 0");
        }

        return errors;
    }

    private static void CheckRate(List<string> errors, string key, double rate)
    {
        if (!(rate is >= 0 and <= 100))
        {
            errors.Add($"{key} {rate.ToString(CultureInfo.InvariantCulture)} must be a percent between 0 and 100");
        }
    }
}

/// <summary>One model's payload log settings.</summary>
public sealed class PayloadLogModelOptions
{
    /// <summary>Percent (0–100) of the model's successful requests to keep.</summary>
    public double SampleRate { get; set; }
}
