namespace ModelDock.Bench.Serving.Load;

/// <summary>A load generator still waited for answers long after its window: the server left requests unanswered.</summary>
internal sealed class GeneratorHungException(string message) : TimeoutException(message);
