#include "core/paths.h"

#include <gtest/gtest.h>

using argus::is_below;
using argus::is_contained_relative_path;

TEST(Paths, ARelativePathStaysBelowItsFolderOnlyWithoutRootsOrParentSteps) {
  EXPECT_TRUE(is_contained_relative_path("snapshots/1/7.jpg"));
  EXPECT_TRUE(is_contained_relative_path("a..b/..c.jpg"));  // dots inside a name are a name
  EXPECT_FALSE(is_contained_relative_path(""));
  EXPECT_FALSE(is_contained_relative_path("/etc/passwd"));  // folder / "/etc/passwd" is /etc/passwd
  EXPECT_FALSE(is_contained_relative_path("../argus.db"));
  EXPECT_FALSE(is_contained_relative_path("snapshots/../../x"));
  EXPECT_FALSE(is_contained_relative_path(std::string_view("a\0b", 3)));
}

TEST(Paths, BelowComparesNormalisedPaths) {
  EXPECT_TRUE(is_below("/srv/media/clip.mp4", "/srv/media"));
  EXPECT_TRUE(is_below("/srv/media/clip.mp4", "/srv/media/"));
  EXPECT_TRUE(is_below("/srv/media/a/../clip.mp4", "/srv/media"));
  EXPECT_FALSE(is_below("/srv/media", "/srv/media"));
  EXPECT_FALSE(is_below("/srv/media/../secret", "/srv/media"));
  EXPECT_FALSE(is_below("/srv/media2/clip.mp4", "/srv/media"));
  EXPECT_FALSE(is_below("/etc/passwd", "/srv/media"));
}
