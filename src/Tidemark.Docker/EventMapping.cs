using Tidemark.Core.Ledger;
using Tidemark.Docker.Models;

namespace Tidemark.Docker;

/// <summary>Engine events to ledger uses. Events for images the daemon no longer holds are dropped.</summary>
public static class EventMapping
{
    public static DateTimeOffset TimeOf(EngineEvent e) => e.TimeNano > 0
        ? UnixTime.FromNanoseconds(e.TimeNano)
        : UnixTime.FromSeconds(e.Time);

    public static UsageEvent? ToUsage(EngineEvent e, ImageResolver images)
    {
        var time = TimeOf(e);
        var action = e.Action ?? "";
        var attributes = e.Actor?.Attributes ?? [];
        switch (e.Type)
        {
            case "container":
                {
                    var kind = action switch
                    {
                        "create" => UsageKind.ContainerCreated,
                        // die and stop: it ran until now, so its image was in use until now.
                        "start" or "restart" or "unpause" or "die" or "stop" => UsageKind.ContainerActive,
                        _ when action.StartsWith("exec_", StringComparison.Ordinal) => UsageKind.ContainerActive,
                        _ => (UsageKind?)null,
                    };
                    if (kind is null)
                    {
                        return null;
                    }

                    attributes.TryGetValue("image", out var reference);
                    var id = (e.Actor?.Id is { } cid ? images.ForContainer(cid) : null) ?? images.Resolve(reference);
                    // Its labels come as attributes: a swarm task's names its service.
                    attributes.TryGetValue(Core.Inventory.ServiceRecord.TaskServiceLabel, out var service);
                    return id is null ? null : new UsageEvent(time, kind.Value, id, reference) { SwarmService = string.IsNullOrEmpty(service) ? null : service };
                }

            case "image" when action is "pull" or "tag" or "load" or "import":
                {
                    // pull names the reference; tag, load and import name the image ID, tag also the new name.
                    attributes.TryGetValue("name", out var name);
                    var id = images.Resolve(e.Actor?.Id) ?? images.Resolve(name);
                    var reference = action == "pull" ? e.Actor?.Id : name;
                    return id is null ? null : new UsageEvent(time, UsageKind.ImageArrived, id, reference);
                }

            default:
                return null;
        }
    }
}
