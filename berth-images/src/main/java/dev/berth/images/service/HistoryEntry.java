package dev.berth.images.service;

import java.util.List;

/**
 * One step of an image's history as `docker history` shows it; only the newest carries the image's id
 * and names, the rest are {@code <missing>}, as with an image Docker pulled.
 */
public record HistoryEntry(String id, long created, String createdBy, List<String> tags, long size, String comment) {}
