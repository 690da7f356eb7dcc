import { AppError } from "@video-service/errors";
import { ServiceError } from "@video-service/http-client";
import { ObjectNotFoundError } from "@video-service/object-store";
import { describe, expect, it } from "vitest";
import { toJobError } from "./job-error.ts";

describe("toJobError", () => {
  it("names the service and its problem, and keeps its retryable verdict", () => {
    const err = new ServiceError({
      service: "renderer",
      message: "renderer answered 500",
      status: 500,
      problem: { type: "x", title: "FFmpeg failed", status: 500, detail: "exit code 1" },
      retryable: false,
    });
    expect(toJobError(err, "render")).toEqual({
      stage: "render",
      title: "renderer: FFmpeg failed",
      detail: "exit code 1",
      retryable: false,
    });
    const unreachable = new ServiceError({ service: "imagegen", message: "imagegen unreachable", retryable: true });
    expect(toJobError(unreachable, "visuals")).toEqual({
      stage: "visuals",
      title: "imagegen failed",
      detail: "imagegen unreachable",
      retryable: true,
    });
  });

  it("does not retry what cannot succeed: client-side problems, missing objects", () => {
    expect(toJobError(new AppError("validation-failed", "bad"), "script").retryable).toBe(false);
    expect(toJobError(new AppError("unavailable", "later"), "script").retryable).toBe(true);
    expect(toJobError(new ObjectNotFoundError("images/cache/x.png"), "render")).toMatchObject({
      title: "A stored object is missing",
      retryable: false,
    });
  });

  it("treats unknown errors as retryable, with their message as the detail", () => {
    expect(toJobError(new Error("socket hang up"), "narration")).toEqual({
      stage: "narration",
      title: "The narration stage failed",
      detail: "socket hang up",
      retryable: true,
    });
  });
});
