-- The software scan task is called what agents in the field call it: software_inventory.
-- Tasks of the previous release's name are renamed so they go out under the new one.
UPDATE tasks SET type = 'software_inventory' WHERE type = 'software_inventory_scan';
