namespace ModelDock.Features.Push;

/// <summary>Where pushed rows go, as Feast's <c>to</c> field names it.</summary>
public enum PushTarget
{
    Online,
    Offline,
    OnlineAndOffline,
}
