DROP TABLE supervision_passes;
